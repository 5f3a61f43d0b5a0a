import { ACCELERATORS, ARCHITECTURES } from "@edgefleet/api";
import { type Static, Type } from "@sinclair/typebox";
import { METRICS, UNITS } from "./metrics.js";

/** Bumped on any change an old gateway could misread; the topic carries the major version too. */
export const SCHEMA_VERSION = 1;

/** Payload size limits in bytes, checked before parsing so a runaway agent costs the gateway nothing. */
export const MAX_PAYLOAD_BYTES = { birth: 16_384, telemetry: 65_536, death: 1_024 } as const;

/** Label values are names the hardware reports (zones, rails, chips), so they are short and few. */
export const MAX_LABELS = 4;
export const MAX_LABEL_VALUE_LENGTH = 64;
export const MAX_SAMPLES = 1_024;

const SchemaVersion = Type.Literal(SCHEMA_VERSION);
/** Milliseconds since the Unix epoch, as the agent's wall clock saw it. */
const Timestamp = Type.Integer({ minimum: 0 });
const Name = Type.String({ minLength: 1, maxLength: MAX_LABEL_VALUE_LENGTH });

export const Sample = Type.Object(
  {
    metric: Type.Union(METRICS.map((m) => Type.Literal(m))),
    unit: Type.Union(UNITS.map((u) => Type.Literal(u))),
    value: Type.Number(),
    labels: Type.Record(Type.String({ pattern: "^[a-z][a-z0-9_]{0,31}$" }), Name, { maxProperties: MAX_LABELS }),
  },
  { additionalProperties: false },
);
export type Sample = Static<typeof Sample>;

export const BirthPayload = Type.Object(
  {
    schemaVersion: SchemaVersion,
    timestamp: Timestamp,
    agentVersion: Type.String({ minLength: 1, maxLength: 64 }),
    hardware: Type.Object(
      {
        /** The node's edgefleet.io/hardware-class label value, so telemetry joins placement decisions. */
        hardwareClass: Name,
        arch: Type.Union(ARCHITECTURES.map((a) => Type.Literal(a))),
        accelerators: Type.Array(Type.Union(ACCELERATORS.map((a) => Type.Literal(a))), {
          maxItems: ACCELERATORS.length,
          uniqueItems: true,
        }),
        cpuCount: Type.Integer({ minimum: 1 }),
        memoryBytes: Type.Integer({ minimum: 0 }),
        sensors: Type.Array(Name, { maxItems: 32, uniqueItems: true }),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);
export type BirthPayload = Static<typeof BirthPayload>;

/**
 * Upper bounds (seconds) of the inference latency histogram buckets. Fixed for schema v1 so counts
 * from every agent add up at the gateway without re-bucketing.
 */
export const LATENCY_BUCKETS_SECONDS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5] as const;
/** One count per bucket above plus the overflow (+Inf) bucket. */
const BUCKET_COUNT = LATENCY_BUCKETS_SECONDS.length + 1;
export const MAX_INFERENCE_STATS = 64;

const Count = Type.Integer({ minimum: 0 });

/**
 * What one runtime on the node served for one model version since the previous message (deltas, so
 * a replayed message adds exactly what it measured). Latency covers successful requests only.
 */
export const InferenceStats = Type.Object(
  {
    namespace: Name,
    model: Name,
    version: Name,
    variant: Name,
    runtime: Name,
    requests: Count,
    errors: Count,
    /** Non-cumulative counts per LATENCY_BUCKETS_SECONDS bucket; the last one is the overflow. */
    latencyBucketCounts: Type.Array(Count, { minItems: BUCKET_COUNT, maxItems: BUCKET_COUNT }),
    latencySumSeconds: Type.Number({ minimum: 0 }),
    /**
     * Requests whose right answer the runtime knew (samples of the labelled evaluation set shipped
     * with the variant, scored on the device), and how many of them it answered right. Optional: a
     * runtime that scores nothing leaves both out, and rollout analysis then skips its accuracy check.
     */
    evaluations: Type.Optional(Count),
    evaluationsCorrect: Type.Optional(Count),
  },
  { additionalProperties: false },
);
export type InferenceStats = Static<typeof InferenceStats>;

/** The agent's store-and-forward spool, so a backlog or a drop shows up before anyone misses data. */
export const SpoolState = Type.Object(
  {
    pendingMessages: Count,
    bytes: Count,
    /** Messages dropped to stay within the spool's byte bound since the spool was created (cumulative). */
    droppedMessages: Count,
  },
  { additionalProperties: false },
);
export type SpoolState = Static<typeof SpoolState>;

/** Why an agent refused a model artifact; a closed list so the gateway's labels stay bounded. */
export const ARTIFACT_FAILURE_REASONS = [
  "download-failed",
  "size-mismatch",
  "digest-mismatch",
  "signature-missing",
  "signature-invalid",
  "version-mismatch",
] as const;

/** Artifacts the agent refused since the previous message (deltas), by model version and reason. */
export const ArtifactFailures = Type.Object(
  {
    namespace: Name,
    model: Name,
    version: Name,
    reason: Type.Union(ARTIFACT_FAILURE_REASONS.map((r) => Type.Literal(r))),
    count: Type.Integer({ minimum: 1 }),
  },
  { additionalProperties: false },
);
export type ArtifactFailures = Static<typeof ArtifactFailures>;

export const TelemetryPayload = Type.Object(
  {
    schemaVersion: SchemaVersion,
    /**
     * Per-node sequence number, kept with the spool so it keeps counting across agent restarts;
     * gaps tell the gateway what it lost, repeats what it already has (QoS 1 is at least once).
     */
    seq: Type.Integer({ minimum: 0 }),
    timestamp: Timestamp,
    samples: Type.Array(Sample, { maxItems: MAX_SAMPLES }),
    inference: Type.Array(InferenceStats, { maxItems: MAX_INFERENCE_STATS }),
    spool: SpoolState,
    artifactFailures: Type.Array(ArtifactFailures, { maxItems: MAX_INFERENCE_STATS }),
    /** Sensor read errors since the previous message, so a silent sensor is not mistaken for an idle one. */
    readErrors: Type.Integer({ minimum: 0 }),
  },
  { additionalProperties: false },
);
export type TelemetryPayload = Static<typeof TelemetryPayload>;

/** Sent on a clean shutdown, and registered as the MQTT last will for a lost connection. */
export const DeathPayload = Type.Object(
  {
    schemaVersion: SchemaVersion,
    timestamp: Timestamp,
    reason: Type.Union([Type.Literal("shutdown"), Type.Literal("connection-lost")]),
  },
  { additionalProperties: false },
);
export type DeathPayload = Static<typeof DeathPayload>;

export const PAYLOAD_SCHEMAS = { birth: BirthPayload, telemetry: TelemetryPayload, death: DeathPayload } as const;
export type MessageKind = keyof typeof PAYLOAD_SCHEMAS;
export const MESSAGE_KINDS = Object.keys(PAYLOAD_SCHEMAS) as MessageKind[];

export interface Payloads {
  birth: BirthPayload;
  telemetry: TelemetryPayload;
  death: DeathPayload;
}
