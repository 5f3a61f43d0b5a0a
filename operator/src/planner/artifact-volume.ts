import type { V1Container, V1EnvVar, V1Volume, V1VolumeMount } from "@kubernetes/client-node";

/** The node's content-addressed artifact cache (docs/artifacts.md), shared by every runtime pod on it. */
export const ARTIFACT_CACHE_DIR = "/var/lib/edgefleet/artifacts";

/** Where a verified model file lies in the cache; runtimes load $(EDGEFLEET_ARTIFACT_SHA256) from here. */
export const ARTIFACT_BLOBS_DIR = `${ARTIFACT_CACHE_DIR}/blobs/sha256`;

export const DEFAULT_AGENT_IMAGE = "ghcr.io/edgefleet/edge-agent:0.1.0";

/**
 * The edge-agent image's install entry point (edge-agent/src/artifacts/install-cli.ts bundled next
 * to the agent's own): with no flags it reads the model's EDGEFLEET_* environment.
 */
export const VERIFY_COMMAND = ["/nodejs/bin/node", "/app/install-artifact.mjs"];

export const VERIFY_CONTAINER = "verify-artifact";
const VOLUME = "artifact-cache";

/** The user of edgefleet's distroless images; provisioning makes the cache directory theirs. */
const IMAGE_UID = 65532;

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
