import {
  ARTIFACT_CACHE_DIR,
  IMAGE_NAMES,
  IMAGE_UID,
  imageReference,
  MODEL_REPOSITORY_DIR,
  type ModelRepositoryLayout,
  type ModelVariant,
  REGISTRY_AUTH_DIR,
  REGISTRY_AUTH_FILE,
  REGISTRY_AUTH_FILE_ENV,
  VERIFY_COMMAND,
} from "@edgefleet/api";
import type { V1Container, V1EnvVar, V1Volume, V1VolumeMount } from "@kubernetes/client-node";
import { type RegistryTrust, registryTrustEnv } from "../registry-trust.js";

type Artifact = ModelVariant["artifact"];

export const DEFAULT_AGENT_IMAGE = imageReference(IMAGE_NAMES.agent);

/**
 * How every runtime pod's verify-artifact init container runs: the platform's settings, the same for
 * all models. Its RegistryTrust travels in the pod template's env, not a volume: models live in their own
 * namespaces and a pod cannot mount a ConfigMap of the platform's. So changing the CA bundle or the
 * plain-HTTP registries changes every runtime pod's template and rolls them all, as a new
 * --agent-image does; CA rotations are rare, and add the new CA before the server's certificate moves to it.
 */
export interface Verifier extends RegistryTrust {
  /** The edge-agent image whose install command verifies the artifact (the operator's --agent-image). */
  image: string;
  /**
   * The install's --install-deadline in whole seconds (the operator's --artifact-install-deadline);
   * the install's own default (30m) when unset, so the flag's absence changes no pod template.
   */
  installDeadlineSeconds?: number;
}

export const DEFAULT_VERIFIER: Verifier = { image: DEFAULT_AGENT_IMAGE };

export const VERIFY_CONTAINER = "verify-artifact";
const VOLUME = "artifact-cache";
const REPOSITORY_VOLUME = "model-repository";
const REGISTRY_AUTH_VOLUME = "registry-auth";

export const artifactCacheVolume: V1Volume = {
  name: VOLUME,
  hostPath: { path: ARTIFACT_CACHE_DIR, type: "DirectoryOrCreate" },
};

export function artifactCacheMount(readOnly: boolean): V1VolumeMount {
  return { name: VOLUME, mountPath: ARTIFACT_CACHE_DIR, readOnly };
}

/**
 * The variant's registry credentials (artifact.pullSecretRef, a kubernetes.io/dockerconfigjson
 * Secret of the model's namespace) as a volume, for the init container only; none without one.
 */
export function registryAuthVolumes(artifact: Artifact): V1Volume[] {
  if (!artifact.pullSecretRef) return [];
  return [
    {
      name: REGISTRY_AUTH_VOLUME,
      secret: {
        secretName: artifact.pullSecretRef.name,
        items: [{ key: ".dockerconfigjson", path: REGISTRY_AUTH_FILE.slice(REGISTRY_AUTH_DIR.length + 1) }],
        defaultMode: 0o444,
      },
    },
  ];
}

/**
 * The pod's own model repository, for a runtime that reads one (EdgeRuntime spec.modelRepository):
 * written by the init container only, so what the runtime loads is the copy it verified, whatever
 * happens to the node's cache afterwards.
 */
export const modelRepositoryVolume: V1Volume = { name: REPOSITORY_VOLUME, emptyDir: {} };

export function modelRepositoryMount(readOnly: boolean): V1VolumeMount {
  return { name: REPOSITORY_VOLUME, mountPath: MODEL_REPOSITORY_DIR, readOnly };
}

/**
 * Runs before the runtime and exits non-zero unless the model's artifact is verified (size, digest,
 * signature) and active in the node's cache, so a runtime never starts on an unverified file.
 * Installs of the node's pods share the cache through lock files in it, one per digest. With a
 * repository layout it then copies the verified file into the pod's model repository (hashing it
 * again as it copies).
 */
export function verifyArtifactContainer(
  verifier: Verifier,
  env: V1EnvVar[],
  artifact: Artifact,
  repository?: ModelRepositoryLayout,
): V1Container {
  const auth = registryAuthVolumes(artifact).length > 0;
  return {
    name: VERIFY_CONTAINER,
    image: verifier.image,
    command: VERIFY_COMMAND,
    args: [
      `--cache-dir=${ARTIFACT_CACHE_DIR}`,
      ...(verifier.installDeadlineSeconds === undefined ? [] : [`--install-deadline=${verifier.installDeadlineSeconds}s`]),
      ...(repository ? [`--model-repository=${MODEL_REPOSITORY_DIR}`, `--model-repository-layout=${repository}`] : []),
    ],
    env: [...env, ...registryTrustEnv(verifier), ...(auth ? [{ name: REGISTRY_AUTH_FILE_ENV, value: REGISTRY_AUTH_FILE }] : [])],
    volumeMounts: [
      artifactCacheMount(false),
      ...(auth ? [{ name: REGISTRY_AUTH_VOLUME, mountPath: REGISTRY_AUTH_DIR, readOnly: true }] : []),
      ...(repository ? [modelRepositoryMount(false)] : []),
    ],
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
