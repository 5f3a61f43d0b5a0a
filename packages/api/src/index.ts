/** @edgefleet/api: edgefleet's API: the EdgeModel, EdgeRuntime and ModelTrustPolicy schemas and types, their CRDs, the default runtime catalog, labels, annotations and constants every component shares. Everything other packages may import is exported here. */

export {
  ARTIFACT_BLOBS_DIR,
  ARTIFACT_CA_BUNDLE_ENV,
  ARTIFACT_CACHE_DIR,
  IMAGE_UID,
  MAX_ARTIFACT_BYTES_ENV,
  MAX_ARTIFACT_BYTES_POLICY_ENV,
  PLAIN_HTTP_REGISTRIES_ENV,
  REGISTRY_AUTH_DIR,
  REGISTRY_AUTH_FILE,
  REGISTRY_AUTH_FILE_ENV,
  SIGNATURE_PUBLIC_KEYS_ENV,
  SIGNATURE_SCOPED_ONLY_ENV,
  VERIFY_COMMAND,
} from "./artifact-cache.js";
export { OCI_DIGEST_PATTERN, OCI_REGISTRY_PATTERN, OCI_REPOSITORY_PATTERN, OCI_TAG_PATTERN, registryList } from "./artifact-uri.js";
export { DEFAULT_RUNTIMES } from "./catalog/default-runtimes.js";
export type { Condition } from "./common.js";
export { allCRDs } from "./crds.js";
export {
  type AnalysisCheck,
  type AnalysisStatus,
  type EdgeModel,
  type EdgeModelSpec,
  type EdgeModelStatus,
  type ModelVariant,
  type PlacementStatus,
  ROLLOUT_DECISIONS,
  ROLLOUT_PHASES,
  type RolloutDecision,
  type RolloutPhase,
  type RolloutStatus,
  type VariantProfile,
} from "./edgemodel.js";
export type { AcceleratorBinding, EdgeRuntime } from "./edgeruntime.js";
export { API_VERSION, GROUP } from "./group.js";
export { IMAGE_NAMES, IMAGE_REGISTRY, IMAGE_VERSION, imageReference } from "./images.js";
export { LABELS, MANAGER, NODE_ACCELERATORS, type NodeAccelerator } from "./labels.js";
export { type ModelTrustPolicy, type ModelTrustPolicySpec, PUBLIC_KEY_PEM_PATTERN, type TrustedKey } from "./modeltrustpolicy.js";
export { OPERATOR_NODE_OPTIONS } from "./node-options.js";
// EdgeModel fixtures for the tests of every package that reads the API.
export { edgeModel, SHA256, VISION_VARIANTS, variant } from "./testing/models.js";
export { ACCELERATORS, type Accelerator, ARCHITECTURES, type Architecture, DEFAULT_ACCELERATOR_PREFERENCE } from "./vocabulary.js";
