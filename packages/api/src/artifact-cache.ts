/** The node's content-addressed artifact cache (docs/artifacts.md), shared by every runtime pod on it. */
export const ARTIFACT_CACHE_DIR = "/var/lib/edgefleet/artifacts";

/** Where a verified model file lies in the cache; runtimes load $(EDGEFLEET_ARTIFACT_SHA256) from here. */
export const ARTIFACT_BLOBS_DIR = `${ARTIFACT_CACHE_DIR}/blobs/sha256`;

/**
 * The edge-agent image's install entry point (packages/edge-agent/src/artifacts/install-cli.ts bundled
 * next to the agent's own): with no flags it reads the model's EDGEFLEET_* environment.
 */
export const VERIFY_COMMAND = ["/nodejs/bin/node", "/app/install-artifact.mjs"];

/**
 * The install command's extra trust: PEM CA certificates (the operator's --artifact-ca-bundle) trusted
 * for https:// artifacts in addition to the public roots, for artifact servers with a private CA.
 */
export const ARTIFACT_CA_BUNDLE_ENV = "EDGEFLEET_ARTIFACT_CA_BUNDLE";

/**
 * The public keys (PEM blocks, concatenated) that a ModelTrustPolicy allows for the model: the
 * install command accepts a signature made by any of them. The operator sets it instead of
 * EDGEFLEET_SIGNATURE_PUBLIC_KEY (the tenant's Secret) whenever a policy applies.
 */
export const SIGNATURE_PUBLIC_KEYS_ENV = "EDGEFLEET_SIGNATURE_PUBLIC_KEYS";

/**
 * "true" when the trust policies the model satisfies accept only edgefleet v2 statements (which
 * name namespace, model, variant, version and sha256): the install then refuses every other
 * signature. Set by the operator next to SIGNATURE_PUBLIC_KEYS_ENV.
 */
export const SIGNATURE_SCOPED_ONLY_ENV = "EDGEFLEET_SIGNATURE_SCOPED_ONLY";

/**
 * The largest artifact the install command accepts (bytes), and the ModelTrustPolicy it comes
 * from (its spec.maxArtifactBytes, the strictest of the policies the model satisfies): set by the
 * operator next to SIGNATURE_PUBLIC_KEYS_ENV when a policy bounds the size, so a device refuses a
 * larger sizeBytes itself, naming the policy, and never downloads more.
 */
export const MAX_ARTIFACT_BYTES_ENV = "EDGEFLEET_MAX_ARTIFACT_BYTES";
export const MAX_ARTIFACT_BYTES_POLICY_ENV = "EDGEFLEET_MAX_ARTIFACT_BYTES_POLICY";

/** The user of edgefleet's distroless images; provisioning makes the cache directory theirs. */
export const IMAGE_UID = 65532;

/**
 * Registry credentials for `oci://` artifacts: the install command reads the docker config JSON in
 * the file this variable names. The operator sets it, and mounts the variant's
 * `artifact.pullSecretRef` Secret read-only at REGISTRY_AUTH_DIR, only in the verify-artifact init
 * container (the runtime never needs them).
 */
export const REGISTRY_AUTH_FILE_ENV = "EDGEFLEET_REGISTRY_AUTH_FILE";
export const REGISTRY_AUTH_DIR = "/etc/edgefleet/registry-auth";
/** The Secret's `.dockerconfigjson` key, mounted under this name. */
export const REGISTRY_AUTH_FILE = `${REGISTRY_AUTH_DIR}/config.json`;

/** Registries (host[:port], comma-separated) the install may reach over plain http://; none by default. */
export const PLAIN_HTTP_REGISTRIES_ENV = "EDGEFLEET_PLAIN_HTTP_REGISTRIES";
