import { type InferenceStats, LATENCY_BUCKETS_SECONDS } from "@edgefleet/telemetry";

/** One count per LATENCY_BUCKETS_SECONDS bound plus the overflow, as telemetry carries them. */
export const BUCKET_COUNT = LATENCY_BUCKETS_SECONDS.length + 1;

/** The bucket a latency falls in: the first bound it does not exceed (Prometheus' le), else the overflow. */
export function bucketIndex(seconds: number): number {
  const i = LATENCY_BUCKETS_SECONDS.findIndex((bound) => seconds <= bound);
  return i === -1 ? LATENCY_BUCKETS_SECONDS.length : i;
}

/** The measured part of InferenceStats: what one target served since the last collect. */
export type Counts = Pick<InferenceStats, "requests" | "errors" | "latencyBucketCounts" | "latencySumSeconds">;

export function emptyCounts(): Counts {
  return { requests: 0, errors: 0, latencyBucketCounts: new Array<number>(BUCKET_COUNT).fill(0), latencySumSeconds: 0 };
}

export function addSuccess(counts: Counts, seconds: number): void {
  counts.requests++;
  const i = bucketIndex(seconds);
  counts.latencyBucketCounts[i] = (counts.latencyBucketCounts[i] ?? 0) + 1;
  counts.latencySumSeconds += seconds;
}

export function addError(counts: Counts): void {
  counts.requests++;
  counts.errors++;
}

export function addCounts(into: Counts, more: Counts): void {
  into.requests += more.requests;
  into.errors += more.errors;
  more.latencyBucketCounts.forEach((n, i) => {
    into.latencyBucketCounts[i] = (into.latencyBucketCounts[i] ?? 0) + n;
  });
  into.latencySumSeconds += more.latencySumSeconds;
}

/**
 * A runtime's cumulative histogram and counters at one scrape: cumulative bucket counts per
 * LATENCY_BUCKETS_SECONDS bound plus +Inf, the sum, and requests by success and failure.
 */
export interface CumulativeSnapshot {
  cumulativeBuckets: number[];
  sumSeconds: number;
  successes: number;
  failures: number;
}

/**
 * The counts between two scrapes of the same runtime, non-cumulative. Any value going down means the
 * runtime restarted: then everything in the newer scrape is new (Prometheus' counter-reset rule).
 */
export function deltaCounts(previous: CumulativeSnapshot, current: CumulativeSnapshot): Counts {
  const fields = [current.sumSeconds - previous.sumSeconds, current.successes - previous.successes, current.failures - previous.failures];
  const reset = fields.some((d) => d < 0) || current.cumulativeBuckets.some((c, i) => c < (previous.cumulativeBuckets[i] ?? 0));
  const base: CumulativeSnapshot = reset
    ? { cumulativeBuckets: new Array<number>(BUCKET_COUNT).fill(0), sumSeconds: 0, successes: 0, failures: 0 }
    : previous;
  const cumulative = current.cumulativeBuckets.map((c, i) => c - (base.cumulativeBuckets[i] ?? 0));
  const failures = current.failures - base.failures;
  return {
    requests: current.successes - base.successes + failures,
    errors: failures,
    latencyBucketCounts: cumulative.map((c, i) => c - (i === 0 ? 0 : (cumulative[i - 1] ?? 0))),
    latencySumSeconds: Math.max(0, current.sumSeconds - base.sumSeconds),
  };
}
