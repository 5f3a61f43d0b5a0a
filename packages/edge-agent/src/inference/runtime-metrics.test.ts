import { inferenceMetrics } from "@edgefleet/cpu-runtime";
import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { deltaCounts } from "./buckets.js";
import { parseRuntimeMetrics } from "./runtime-metrics.js";

describe("parseRuntimeMetrics", () => {
  it("reads the CPU runtime's own exposition for one model version, counting only inference's own errors", async () => {
    const registry = new Registry();
    const metrics = inferenceMetrics(registry, { name: "detector", version: "1.0.0" });
    const other = inferenceMetrics(new Registry(), { name: "x", version: "1" });
    other.success(1);
    const before = parseRuntimeMetrics(await registry.metrics(), "detector", "1.0.0");
    metrics.success(0.0002);
    metrics.success(0.003);
    metrics.success(9);
    metrics.failure("client_error");
    metrics.failure("client_error");
    metrics.failure("unavailable");
    metrics.failure("error");
    const after = parseRuntimeMetrics(await registry.metrics(), "detector", "1.0.0");
    expect(after).toEqual({ cumulativeBuckets: [1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 2, 3], sumSeconds: 9.0032, successes: 3, failures: 1 });
    expect(before && after && deltaCounts(before, after)).toEqual({
      requests: 4,
      errors: 1,
      latencyBucketCounts: [1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1],
      latencySumSeconds: 9.0032,
    });
  });

  it("is undefined for a model version the runtime does not serve, or for other buckets", async () => {
    const registry = new Registry();
    inferenceMetrics(registry, { name: "detector", version: "1.0.0" }).success(0.001);
    expect(parseRuntimeMetrics(await registry.metrics(), "detector", "2.0.0")).toBeUndefined();
    const foreign = 'edgefleet_runtime_inference_duration_seconds_bucket{le="0.3",model="m",version="1"} 1\n';
    expect(parseRuntimeMetrics(foreign, "m", "1")).toBeUndefined();
    expect(parseRuntimeMetrics("", "m", "1")).toBeUndefined();
  });
});
