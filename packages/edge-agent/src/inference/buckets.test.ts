import { LATENCY_BUCKETS_SECONDS } from "@edgefleet/telemetry";
import { describe, expect, it } from "vitest";
import {
  addCounts,
  addError,
  addSuccess,
  BUCKET_COUNT,
  bucketIndex,
  type CumulativeSnapshot,
  deltaCounts,
  emptyCounts,
} from "./buckets.js";

const snapshot = (cumulativeBuckets: number[], sumSeconds: number, successes: number, failures: number): CumulativeSnapshot => ({
  cumulativeBuckets: [
    ...cumulativeBuckets,
    ...new Array<number>(BUCKET_COUNT - cumulativeBuckets.length).fill(cumulativeBuckets.at(-1) ?? 0),
  ],
  sumSeconds,
  successes,
  failures,
});

describe("latency buckets", () => {
  it("puts a latency in the first bucket whose bound it does not exceed, like Prometheus' le", () => {
    expect(bucketIndex(0)).toBe(0);
    expect(bucketIndex(0.0005)).toBe(0);
    expect(bucketIndex(0.00051)).toBe(1);
    expect(bucketIndex(0.003)).toBe(3);
    expect(bucketIndex(2.5)).toBe(LATENCY_BUCKETS_SECONDS.length - 1);
    expect(bucketIndex(2.6)).toBe(LATENCY_BUCKETS_SECONDS.length);
    expect(bucketIndex(Number.POSITIVE_INFINITY)).toBe(BUCKET_COUNT - 1);
  });

  it("counts successes with latency and errors without", () => {
    const c = emptyCounts();
    addSuccess(c, 0.0004);
    addSuccess(c, 0.004);
    addError(c);
    expect(c).toEqual({ requests: 3, errors: 1, latencyBucketCounts: [1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0], latencySumSeconds: 0.0044 });
    const d = emptyCounts();
    addCounts(d, c);
    addCounts(d, c);
    expect(d.requests).toBe(6);
    expect(d.latencyBucketCounts[3]).toBe(2);
  });
});

describe("deltaCounts between two runtime scrapes", () => {
  it("turns cumulative buckets into non-cumulative deltas", () => {
    const before = snapshot([1, 3, 3, 4], 0.01, 4, 1);
    const after = snapshot([2, 6, 7, 9], 0.03, 9, 3);
    expect(deltaCounts(before, after)).toEqual({
      requests: 7,
      errors: 2,
      latencyBucketCounts: [1, 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0],
      latencySumSeconds: 0.019999999999999997,
    });
  });

  it("counts overflow latencies in the last bucket", () => {
    const after = snapshot([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2], 6, 2, 0);
    expect(deltaCounts(snapshot([0], 0, 0, 0), after).latencyBucketCounts).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2]);
  });

  it("takes everything in the newer scrape as new when the runtime restarted", () => {
    const before = snapshot([5, 9], 0.1, 9, 0);
    const after = snapshot([1, 2], 0.002, 2, 1);
    expect(deltaCounts(before, after)).toEqual({
      requests: 3,
      errors: 1,
      latencyBucketCounts: [1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
      latencySumSeconds: 0.002,
    });
  });
});
