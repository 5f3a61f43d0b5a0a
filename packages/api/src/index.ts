/** @edgefleet/api: edgefleet's API: the EdgeModel, EdgeRuntime, ModelTrustPolicy, FederatedTraining and EdgeModelBuild schemas and types, their CRDs, the default runtime catalog, labels, annotations and constants every component shares. Everything other packages may import is exported here. */

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
export {
  ARTIFACT_URI_PATTERN,
  OCI_DIGEST_PATTERN,
  OCI_REGISTRY_PATTERN,
  OCI_REPOSITORY_PATTERN,
  OCI_TAG_PATTERN,
  registryList,
} from "./artifact-uri.js";
export {
  BUILD_INPUTS,
  BUILD_LABEL,
  BUILD_REQUEST_ENV,
  BUILD_SUMMARY_PATH,
  type BuildInput,
  type BuildRequest,
  type BuildSummary,
  CARRIED_DIR,
  carriedKeyPath,
  carriedPullPath,
  encodeBuildSummary,
  MAX_SUMMARY_BYTES,
  MODEL_BUILD_COMMAND,
  PULL_AUTH_FILE,
  PUSH_AUTH_DIR,
  PUSH_AUTH_FILE,
  type PublishSummary,
  type PushedSummary,
  parseBuildSummary,
  pullAuthDir,
  pullAuthFlag,
  SIGNING_KEY_DIR,
  SIGNING_KEY_FILE,
  type TargetSummary,
} from "./build-job.js";
export { DEFAULT_RUNTIMES } from "./catalog/default-runtimes.js";
export { type Condition, TAINT_EFFECTS, type Toleration } from "./common.js";
export { allCRDs } from "./crds.js";
export {
  type AnalysisCheck,
  type AnalysisStatus,
  type ClassMeasurement,
  type EdgeModel,
  type EdgeModelSpec,
  type EdgeModelStatus,
  MAX_VARIANTS,
  type ModelVariant,
  type PlacementStatus,
  ROLLOUT_DECISIONS,
  ROLLOUT_PHASES,
  type RolloutDecision,
  type RolloutPhase,
  type RolloutStatus,
  type VariantProfile,
} from "./edgemodel.js";
export {
  BUILD_TARGETS,
  type BuildFleetClass,
  type BuildFleetStatus,
  type BuildPublishedStatus,
  type BuildTarget,
  type BuildTargetStatus,
  DEFAULT_PUBLIC_KEY_REF,
  type EdgeModelBuild,
  type EdgeModelBuildPublish,
  type EdgeModelBuildSpec,
  type EdgeModelBuildStatus,
  TARGET_VERDICTS,
} from "./edgemodelbuild.js";
export { type AcceleratorBinding, type EdgeRuntime, SERVING_MODES, type ServingMode } from "./edgeruntime.js";
export {
  FEDERATED_BUILD_MOUNTS,
  FEDERATED_CLIENT_TLS,
  FEDERATED_ENV,
  FEDERATED_LABELS,
  FEDERATED_ROLES,
  type FederatedBuildConfig,
  type FederatedJobConfig,
  type FederatedRole,
  federatedNames,
  PROGRESS_KEYS,
  type PushedTrainingFile,
  SUPERLINK_FLEET_PORT,
  TRAINED_MODEL_VARIANT,
  type TrainingBuildResult,
} from "./federated-pods.js";
export {
  FEDERATED_MAX_DEVICE_NAME_BYTES,
  FEDERATED_MAX_DEVICES,
  FEDERATED_PHASES,
  FEDERATED_STRATEGIES,
  type FederatedBuild,
  type FederatedPhase,
  type FederatedRound,
  type FederatedTraining,
  type FederatedTrainingSpec,
  type FederatedTrainingStatus,
} from "./federatedtraining.js";
export { measuredClasses, sourceAccuracy } from "./fleet-measurements.js";
export { API_VERSION, GROUP } from "./group.js";
export { IMAGE_NAMES, IMAGE_REGISTRY, IMAGE_VERSION, imageReference } from "./images.js";
export { LABELS, MANAGER, NODE_ACCELERATORS, type NodeAccelerator } from "./labels.js";
export {
  MODEL_REPOSITORY_DIR,
  MODEL_REPOSITORY_LAYOUTS,
  type ModelRepositoryLayout,
  SERVED_VERSION,
  SERVED_VERSION_ANNOTATION,
  TRITON_FORMATS,
  TRITON_MODEL_FILES,
  type TritonFormat,
  tritonConfig,
  tritonModelPath,
} from "./model-repository.js";
export { type ModelTrustPolicy, type ModelTrustPolicySpec, PUBLIC_KEY_PEM_PATTERN, type TrustedKey } from "./modeltrustpolicy.js";
export { OPERATOR_NODE_OPTIONS } from "./node-options.js";
export {
  compareVersions,
  type EvaluationData,
  keptVariants,
  type MeasuredBuild,
  nextVersion,
  PUBLISH_TO_PATTERN,
  PUBLISHABLE_TARGETS,
  type PushedFile,
  publicationProblem,
  TARGET_VARIANTS,
  unpublishedReason,
  variantProfile,
} from "./publication.js";
export {
  EXPLICIT_MODEL_CONTROL_ARGS,
  LOAD_KEY_ENV,
  LOAD_KEY_HEADER,
  LOAD_KEY_SETTING,
  MODEL_LOADER_COMMAND,
  MODEL_SERVER_ENV,
} from "./shared-server.js";
// EdgeModel fixtures for the tests of every package that reads the API.
export { edgeModel, SHA256, VISION_VARIANTS, variant } from "./testing/models.js";
export { ACCELERATORS, type Accelerator, ARCHITECTURES, type Architecture, DEFAULT_ACCELERATOR_PREFERENCE } from "./vocabulary.js";
