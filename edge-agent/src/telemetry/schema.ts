import { type Static, Type } from "@sinclair/typebox";
import { ACCELERATORS, ARCHITECTURES } from "../../../operator/src/api/vocabulary.js";
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

export const TelemetryPayload = Type.Object(
  {
    schemaVersion: SchemaVersion,
    /** Per-node sequence number, reset by each birth; gaps tell the gateway what it lost. */
    seq: Type.Integer({ minimum: 0 }),
    timestamp: Timestamp,
    samples: Type.Array(Sample, { maxItems: MAX_SAMPLES }),
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
