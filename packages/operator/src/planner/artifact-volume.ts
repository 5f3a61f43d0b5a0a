import { ARTIFACT_CACHE_DIR, IMAGE_NAMES, IMAGE_UID, imageReference, VERIFY_COMMAND } from "@edgefleet/api";
import type { V1Container, V1EnvVar, V1Volume, V1VolumeMount } from "@kubernetes/client-node";

export const DEFAULT_AGENT_IMAGE = imageReference(IMAGE_NAMES.agent);

export const VERIFY_CONTAINER = "verify-artifact";
const VOLUME = "artifact-cache";

export const artifactCacheVolume: V1Volume = {
  name: VOLUME,
  hostPath: { path: ARTIFACT_CACHE_DIR, type: "DirectoryOrCreate" },
};

export function artifactCacheMount(readOnly: boolean): V1VolumeMount {
  return { name: VOLUME, mountPath: ARTIFACT_CACHE_DIR, readOnly };
}

/**
 * Runs before the runtime and exits non-zero unless the model's artifact is verified (size, digest,
 * signature) and active in the node's cache, so a runtime never starts on an unverified file.
 * Installs of the node's pods take turns through a lock file in the cache.
 */
export function verifyArtifactContainer(agentImage: string, env: V1EnvVar[]): V1Container {
  return {
    name: VERIFY_CONTAINER,
    image: agentImage,
    command: VERIFY_COMMAND,
    args: [`--cache-dir=${ARTIFACT_CACHE_DIR}`],
    env,
    volumeMounts: [artifactCacheMount(false)],
    // Requests count toward the pod's scheduling only as far as they exceed the runtime's.
    resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { memory: "256Mi" } },
    securityContext: {
      runAsNonRoot: true,
      runAsUser: IMAGE_UID,
      runAsGroup: IMAGE_UID,
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ["ALL"] },
    },
  };
}
