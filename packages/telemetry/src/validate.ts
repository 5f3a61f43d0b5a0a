import { TypeCompiler } from "@sinclair/typebox/compiler";
import { METRIC_UNITS } from "./metrics.js";
import { MAX_PAYLOAD_BYTES, type MessageKind, PAYLOAD_SCHEMAS, type Payloads, Sample, SCHEMA_VERSION } from "./schema.js";
import { parseTopic, type Topic } from "./topic.js";

export type RejectionCode = "wrong-topic" | "oversized" | "malformed-json" | "wrong-schema-version" | "invalid-payload";

export interface Rejection {
  readonly code: RejectionCode;
  readonly reason: string;
}

/** A message as the gateway receives it, narrowed by its topic's kind. */
export type Message = { [K in MessageKind]: { topic: Topic & { kind: K }; payload: Payloads[K] } }[MessageKind];

export type ValidationResult = ({ ok: true } & Message) | ({ ok: false } & Rejection);

const CHECKERS = {
  birth: TypeCompiler.Compile(PAYLOAD_SCHEMAS.birth),
  telemetry: TypeCompiler.Compile(PAYLOAD_SCHEMAS.telemetry),
  death: TypeCompiler.Compile(PAYLOAD_SCHEMAS.death),
} as const;

const SAMPLE = TypeCompiler.Compile(Sample);

/**
 * What would make this one sample fail the schema (a label name, an empty or over-long label
 * value, too many labels, a wrong unit), or undefined: an agent drops such a sample alone rather
 * than send a message the gateway refuses whole.
 */
export function sampleProblem(sample: Sample): string | undefined {
  const { metric } = sample;
  if (!SAMPLE.Check(sample)) {
    const error = SAMPLE.Errors(sample).First();
    return `${metric}${error === undefined ? "" : ` ${error.path || "/"}: ${error.message}`}`;
  }
  if (METRIC_UNITS[sample.metric] !== sample.unit) return `${sample.metric} is in ${METRIC_UNITS[sample.metric]}, not ${sample.unit}`;
  return undefined;
}

const reject = (code: RejectionCode, reason: string): ValidationResult => ({ ok: false, code, reason });

/**
 * Checks one MQTT message: its topic, its size before any parsing, its JSON, its schema version
 * (reported apart from other schema errors so an outdated agent is told as much), then the schema.
 */
export function validateMessage(topicName: string, body: string | Uint8Array): ValidationResult {
  const parsed = parseTopic(topicName);
  if (!parsed.ok) return reject("wrong-topic", parsed.reason);
  const { topic } = parsed;
  const bytes = typeof body === "string" ? Buffer.byteLength(body) : body.byteLength;
  const limit = MAX_PAYLOAD_BYTES[topic.kind];
  if (bytes > limit) return reject("oversized", `${topic.kind} payload is ${bytes} bytes, the limit is ${limit}`);

  let json: unknown;
  try {
    json = JSON.parse(typeof body === "string" ? body : Buffer.from(body).toString("utf8"));
  } catch (err) {
    return reject("malformed-json", (err as Error).message);
  }
  if (typeof json !== "object" || json === null || Array.isArray(json)) return reject("invalid-payload", "payload is not a JSON object");
  const version = (json as { schemaVersion?: unknown }).schemaVersion;
  if (version !== SCHEMA_VERSION)
    return reject("wrong-schema-version", `schemaVersion is ${JSON.stringify(version)}, expected ${SCHEMA_VERSION}`);

  const checker = CHECKERS[topic.kind];
  // Check is ~30x cheaper than Errors; only a failing message pays for the error report.
  if (!checker.Check(json)) {
    const error = checker.Errors(json).First();
    return reject(
      "invalid-payload",
      error === undefined ? "/: payload does not match the schema" : `${error.path || "/"}: ${error.message}`,
    );
  }
  if (topic.kind === "telemetry") {
    const problem = mismatchedUnit(json as Payloads["telemetry"]) ?? mismatchedEvaluations(json as Payloads["telemetry"]);
    if (problem !== undefined) return reject("invalid-payload", problem);
  }
  return { ok: true, topic, payload: json } as ValidationResult;
}

function mismatchedUnit(payload: Payloads["telemetry"]): string | undefined {
  const index = payload.samples.findIndex((s) => METRIC_UNITS[s.metric] !== s.unit);
  const bad = payload.samples[index];
  return bad === undefined ? undefined : `/samples/${index}/unit: ${bad.metric} is in ${METRIC_UNITS[bad.metric]}, not ${bad.unit}`;
}

/** An inference entry scoring more right answers than evaluations, or one count without the other. */
function mismatchedEvaluations(payload: Payloads["telemetry"]): string | undefined {
  const index = payload.inference.findIndex(
    (i) => (i.evaluations === undefined) !== (i.evaluationsCorrect === undefined) || (i.evaluationsCorrect ?? 0) > (i.evaluations ?? 0),
  );
  const bad = payload.inference[index];
  return bad === undefined
    ? undefined
    : `/inference/${index}: evaluationsCorrect (${bad.evaluationsCorrect}) and evaluations (${bad.evaluations}) go together, correct at most evaluations`;
}
