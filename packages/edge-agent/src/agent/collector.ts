import { type Clock, errorMessage, type Logger, systemClock } from "@edgefleet/kit";
import { type ArtifactFailures, type InferenceStats, MAX_INFERENCE_STATS, type Sample, validateMessage } from "@edgefleet/telemetry";
import type { SpoolSender } from "../mqtt/sender.js";
import type { ReadError, Reading, Sensor } from "../sensors/sensor.js";
import type { Spool } from "../spool/spool.js";
import type { AgentMetrics } from "./metrics.js";
import type { SeqCounter } from "./seq.js";
import { encodeTelemetry } from "./telemetry.js";

/** Per model version latency deltas since the previous call (the latency prober's seam). */
export interface InferenceSource {
  collect(): InferenceStats[];
}

/** Artifact refusal deltas, at most max (the artifact installer's FailureReporter fits). */
export interface ArtifactSource {
  take(max: number): ArtifactFailures[];
}

export interface CollectorOptions {
  readonly topic: string;
  readonly sensors: readonly Sensor[];
  readonly inference?: InferenceSource;
  readonly artifacts?: ArtifactSource;
  readonly spool: Spool;
  readonly seq: SeqCounter;
  readonly sender: SpoolSender;
  readonly metrics: AgentMetrics;
  /** Its wall clock stamps each message; its monotonic time spaces out the read-error logs. */
  readonly clock?: Clock;
  readonly log: Logger;
}

/** Read errors and invalid samples are logged at most this often; they are counted every time. */
const ERROR_LOG_INTERVAL_MS = 60_000;

/**
 * One interval's work: read every sensor, take the inference and artifact deltas, and append one
 * telemetry message to the spool (never straight to the broker), then nudge the sender.
 */
export class Collector {
  /** Inference deltas past the schema's per-message limit wait for the next message. */
  private carried: InferenceStats[] = [];
  private lastErrorLog = Number.NEGATIVE_INFINITY;
  private lastInvalidLog = Number.NEGATIVE_INFINITY;
  private readonly clock: Clock;

  constructor(private readonly options: CollectorOptions) {
    this.clock = options.clock ?? systemClock;
  }

  async collect(): Promise<void> {
    const { sensors, spool, seq, sender, metrics, topic, log } = this.options;
    const readings = await Promise.all(sensors.map((sensor) => read(sensor)));
    const samples: Sample[] = [];
    const errors: ReadError[] = [];
    readings.forEach((reading, i) => {
      samples.push(...reading.samples);
      errors.push(...reading.errors);
      if (reading.errors.length > 0) metrics.readErrors.inc({ sensor: sensors[i]?.type ?? "unknown" }, reading.errors.length);
    });
    this.logErrors(errors);
    const inference = this.takeInference();
    const artifactFailures = this.takeArtifacts();
    const stats = spool.stats();
    const { body, droppedSamples, firstProblem } = encodeTelemetry({
      seq: seq.next,
      timestamp: this.clock.wallMs(),
      samples,
      inference,
      artifactFailures,
      spool: { pendingMessages: stats.pending, bytes: stats.bytes, droppedMessages: stats.dropped.messages },
      readErrors: errors.length,
    });
    for (const [reason, n] of Object.entries(droppedSamples)) if (n > 0) metrics.droppedSamples.inc({ reason }, n);
    if (firstProblem !== undefined) this.logInvalid(droppedSamples.invalid, firstProblem);
    const verdict = validateMessage(topic, body);
    if (!verdict.ok) {
      // A bug (a sensor emitting what the schema forbids), not an outage: no seq is spent on it.
      metrics.messages.inc({ result: "invalid" });
      // Its deltas are not carried over: whatever made it invalid would block every later message.
      log.error("telemetry message fails the schema; not sent", { code: verdict.code, reason: verdict.reason });
      return;
    }
    sender.flushAck();
    if (spool.append(topic, body, seq.take()) === undefined) {
      // The seq is spent: the gateway sees the gap, and the spool counts the rejection.
      metrics.messages.inc({ result: "spool-rejected" });
      log.error("spool could not store a telemetry message", { error: spool.stats().rejected.lastError });
      return;
    }
    metrics.messages.inc({ result: "spooled" });
    sender.pump();
  }

  private takeInference(): InferenceStats[] {
    try {
      this.carried.push(...(this.options.inference?.collect() ?? []));
    } catch (err) {
      this.options.log.warn("inference source failed", { error: String(err) });
    }
    return this.carried.splice(0, MAX_INFERENCE_STATS);
  }

  private takeArtifacts(): ArtifactFailures[] {
    try {
      return this.options.artifacts?.take(MAX_INFERENCE_STATS) ?? [];
    } catch (err) {
      this.options.log.warn("artifact source failed", { error: String(err) });
      return [];
    }
  }

  private logInvalid(count: number, first: string): void {
    const at = this.clock.now();
    if (at - this.lastInvalidLog < ERROR_LOG_INTERVAL_MS) return;
    this.lastInvalidLog = at;
    this.options.log.warn("samples the telemetry schema refuses left out", { count, first });
  }

  private logErrors(errors: readonly ReadError[]): void {
    if (errors.length === 0) return;
    const at = this.clock.now();
    if (at - this.lastErrorLog < ERROR_LOG_INTERVAL_MS) return;
    this.lastErrorLog = at;
    this.options.log.warn("sensor read errors", { count: errors.length, first: errors.slice(0, 5) });
  }
}

/** Sensors promise never to reject; one that does anyway costs its own samples, not the message. */
async function read(sensor: Sensor): Promise<Reading> {
  try {
    return await sensor.read();
  } catch (err) {
    return { samples: [], errors: [{ source: sensor.type, message: errorMessage(err) }] };
  }
}
