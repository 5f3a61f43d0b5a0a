/** @edgefleet/telemetry: The telemetry contract between edge agents and gateways: MQTT topics, payload schema v1, its validator and the metric vocabulary. Everything other packages may import is exported here. */

export {
  ASSIGNMENT_REJECTIONS,
  ASSIGNMENTS_ROOT,
  type AssignedEvaluation,
  type AssignedRuntime,
  type AssignmentRejection,
  AssignmentsPayload,
  allAssignmentsOf,
  assignmentsNode,
  assignmentsTopic,
  EVALUATION_ENV,
  evaluationFromEnv,
  MAX_ASSIGNMENTS_BYTES,
  parseAssignments,
} from "./assignments.js";
export { METRIC_UNITS, METRICS, type Metric } from "./metrics.js";
export { sample } from "./sample.js";
export {
  ARTIFACT_FAILURE_REASONS,
  type ArtifactFailures,
  type BirthPayload,
  type DeathPayload,
  InferenceStats,
  LATENCY_BUCKETS_SECONDS,
  MAX_INFERENCE_STATS,
  MAX_PAYLOAD_BYTES,
  MAX_SAMPLES,
  type Sample,
  SCHEMA_VERSION,
  type SpoolState,
  type TelemetryPayload,
} from "./schema.js";
export { ALL_NODES, allNodesOf, buildTopic, parseTopic, REBIRTH_TOPIC, TOPIC_ROOT } from "./topic.js";
export { type RejectionCode, sampleProblem, validateMessage } from "./validate.js";
