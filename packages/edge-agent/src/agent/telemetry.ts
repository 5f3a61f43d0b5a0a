import {
  type ArtifactFailures,
  type InferenceStats,
  MAX_PAYLOAD_BYTES,
  MAX_SAMPLES,
  type Sample,
  SCHEMA_VERSION,
  type SpoolState,
  sampleProblem,
  type TelemetryPayload,
} from "@edgefleet/telemetry";

export interface TelemetryParts {
  seq: number;
  timestamp: number;
  samples: readonly Sample[];
  inference: readonly InferenceStats[];
  artifactFailures: readonly ArtifactFailures[];
  spool: SpoolState;
  readErrors: number;
}

/** Why a sample was left out of a message; the agent's counter's reason label. */
export const SAMPLE_DROP_REASONS = ["non-finite", "invalid", "over-limit"] as const;
export type SampleDropReason = (typeof SAMPLE_DROP_REASONS)[number];

export interface EncodedTelemetry {
  body: Buffer;
  /**
   * Samples left out, by reason: non-finite values (JSON has no NaN; also counted as read errors),
   * samples the schema refuses (a label a sensor reported empty or over-long), those past the size limits.
   */
  droppedSamples: Record<SampleDropReason, number>;
  /** The first invalid sample's problem, for the log. */
  firstProblem: string | undefined;
}

/**
 * One telemetry message as the gateway will accept it: samples with a non-finite value are read
 * errors (a sensor that returned garbage); a sample the schema refuses (one bad hardware label) is
 * left out alone, since one would fail the whole message and blank the node; and samples past
 * MAX_SAMPLES or the payload byte limit are cut from the end. All counted, so a node with many
 * sensors, or one odd one, still reports rather than being refused.
 */
export function encodeTelemetry(parts: TelemetryParts): EncodedTelemetry {
  const finite = parts.samples.filter((s) => Number.isFinite(s.value));
  const nonFinite = parts.samples.length - finite.length;
  let firstProblem: string | undefined;
  const valid = finite.filter((s) => {
    const problem = sampleProblem(s);
    firstProblem ??= problem;
    return problem === undefined;
  });
  let samples = valid.slice(0, MAX_SAMPLES);
  const payload = (): TelemetryPayload => ({
    schemaVersion: SCHEMA_VERSION,
    seq: parts.seq,
    timestamp: parts.timestamp,
    samples,
    inference: [...parts.inference],
    spool: parts.spool,
    artifactFailures: [...parts.artifactFailures],
    readErrors: parts.readErrors + nonFinite,
  });
  let body = Buffer.from(JSON.stringify(payload()));
  while (body.length > MAX_PAYLOAD_BYTES.telemetry && samples.length > 0) {
    // Samples are similar in size, so cutting in proportion converges in a step or two.
    const keep = Math.floor((samples.length * MAX_PAYLOAD_BYTES.telemetry) / body.length) - 1;
    samples = samples.slice(0, Math.max(0, Math.min(keep, samples.length - 1)));
    body = Buffer.from(JSON.stringify(payload()));
  }
  return {
    body,
    droppedSamples: { "non-finite": nonFinite, invalid: finite.length - valid.length, "over-limit": valid.length - samples.length },
    firstProblem,
  };
}
