import { LATENCY_BUCKETS_SECONDS } from "@edgefleet/telemetry";
import { BUCKET_COUNT, type CumulativeSnapshot } from "./buckets.js";

/** The families edgefleet's CPU runtime exposes (packages/cpu-runtime/src/metrics.ts). */
const DURATION_BUCKET = "edgefleet_runtime_inference_duration_seconds_bucket";
const DURATION_SUM = "edgefleet_runtime_inference_duration_seconds_sum";
const REQUESTS = "edgefleet_runtime_inference_requests_total";

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)\{(.*)\} (\S+)/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/** A sample's labels (the text between its braces), in their order, values unescaped. */
export function labels(text: string): Map<string, string> {
  return new Map(
    Array.from(text.matchAll(LABEL), (m) => [m[1] ?? "", (m[2] ?? "").replace(/\\(.)/g, (_, c: string) => (c === "n" ? "\n" : c))]),
  );
}

/**
 * One model version's cumulative latency histogram and request counts (successes, and failures of
 * inference itself) from a runtime's Prometheus text exposition, or undefined when the runtime does
 * not expose them in the telemetry buckets.
 */
export function parseRuntimeMetrics(text: string, model: string, version: string): CumulativeSnapshot | undefined {
  const snapshot: CumulativeSnapshot = {
    cumulativeBuckets: new Array<number>(BUCKET_COUNT).fill(-1),
    sumSeconds: 0,
    successes: 0,
    failures: 0,
  };
  for (const line of text.split("\n")) {
    const m = SAMPLE.exec(line);
    if (!m || (m[1] !== DURATION_BUCKET && m[1] !== DURATION_SUM && m[1] !== REQUESTS)) continue;
    const l = labels(m[2] ?? "");
    if (l.get("model") !== model || l.get("version") !== version) continue;
    const value = Number(m[3]);
    if (m[1] === DURATION_SUM) snapshot.sumSeconds = value;
    else if (m[1] === REQUESTS) {
      // Client errors and shed requests say nothing about the model: counting them would let junk
      // sent to a canary's port fail its rollout (or pad its samples). Only inference's own errors count.
      const result = l.get("result");
      if (result === "success") snapshot.successes += value;
      else if (result === "error") snapshot.failures += value;
    } else {
      const le = l.get("le");
      const i = le === "+Inf" ? LATENCY_BUCKETS_SECONDS.length : (LATENCY_BUCKETS_SECONDS as readonly number[]).indexOf(Number(le));
      if (i === -1) return undefined;
      snapshot.cumulativeBuckets[i] = value;
    }
  }
  return snapshot.cumulativeBuckets.includes(-1) ? undefined : snapshot;
}
