import {
  type ArtifactFailures,
  type InferenceStats,
  MAX_PAYLOAD_BYTES,
  MAX_SAMPLES,
  type Sample,
  SCHEMA_VERSION,
  type SpoolState,
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

export interface EncodedTelemetry {
  body: Buffer;
  /** Samples left out: non-finite values (JSON has no NaN; also counted as read errors) and those past the size limits. */
  droppedSamples: number;
}

/**
 * One telemetry message as the gateway will accept it: samples with a non-finite value are read
 * errors (a sensor that returned garbage), and samples past MAX_SAMPLES or the payload byte limit
 * are cut from the end, counted, so a node with many sensors still reports rather than being refused.
 */
export function encodeTelemetry(parts: TelemetryParts): EncodedTelemetry {
  const finite = parts.samples.filter((s) => Number.isFinite(s.value));
  const nonFinite = parts.samples.length - finite.length;
  let samples = finite.slice(0, MAX_SAMPLES);
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
  return { body, droppedSamples: parts.samples.length - samples.length };
}
