import { describe, expect, it } from "vitest";
import { encodeBuildSummary, MAX_SUMMARY_BYTES, parseBuildSummary } from "./build-job.js";
import { MAX_VARIANTS } from "./edgemodel.js";
import { BUILD_TARGETS, type BuildTarget } from "./edgemodelbuild.js";

describe("build summary (the build container's termination message)", () => {
  const target = {
    verdict: "Refused" as const,
    sizeBytes: 123_456_789,
    sizeRatio: 0.123456789,
    accuracyPercent: 12.3456789,
    accuracyDropPoints: 84.1234567,
    p50LatencySeconds: 0.0000123456789,
    p95LatencySeconds: 0.0000234567891,
  };
  const summary = {
    tools: "onnxruntime 1.22.0, openvino 2025.2.0",
    calibrationSamples: 179,
    evaluationSamples: 540,
    targets: BUILD_TARGETS.map((t) => ({ target: t, ...target })),
  };

  it("round-trips, every target within the kubelet's 4 KiB, the measurements to six significant digits", () => {
    const text = encodeBuildSummary(summary);
    expect(Buffer.byteLength(text)).toBeLessThan(MAX_SUMMARY_BYTES / 2);
    const rounded = {
      verdict: "Refused",
      sizeBytes: 123_456_789,
      sizeRatio: 0.123457,
      accuracyPercent: 12.3457,
      accuracyDropPoints: 84.1235,
      p50LatencySeconds: 0.0000123457,
      p95LatencySeconds: 0.0000234568,
    };
    expect(parseBuildSummary(text)).toEqual({ ...summary, targets: BUILD_TARGETS.map((t) => ({ target: t, ...rounded })) });
  });

  it("fits the kubelet's 4 KiB at the maximum: every target built and pushed, as many variants carried as an EdgeModel has room for, the longest tools line", () => {
    const longest = {
      ...summary,
      tools: "t".repeat(253),
      targets: BUILD_TARGETS.map((t) => ({
        target: t,
        ...target,
        verdict: "Built" as const,
        sizeBytes: 9_999_999_999,
        sizeRatio: 1 / 3,
        accuracyPercent: 100 / 3,
        accuracyDropPoints: -1 / 7,
        p50LatencySeconds: 1 / 70_000,
        p95LatencySeconds: 1 / 30_000,
      })),
    };
    const pushed = (targets: readonly BuildTarget[]) => targets.map((t) => ({ t, d: "d".repeat(64), s: "e".repeat(64), b: 9_999_999_999 }));
    // 16 variants at most: all 8 builds pushed and 8 carried, or 1 pushed and 15 carried.
    for (const publish of [
      { pushed: pushed(BUILD_TARGETS), k: Array(MAX_VARIANTS - BUILD_TARGETS.length).fill("f".repeat(64)) },
      { pushed: pushed(BUILD_TARGETS.slice(0, 1)), k: Array(MAX_VARIANTS - 1).fill("f".repeat(64)) },
    ]) {
      const text = encodeBuildSummary({ ...longest, publish });
      expect(Buffer.byteLength(text)).toBeLessThanOrEqual(MAX_SUMMARY_BYTES);
      expect(parseBuildSummary(text)).toEqual(JSON.parse(text));
      expect(parseBuildSummary(text)).toMatchObject({ publish });
    }
    expect(() =>
      parseBuildSummary(
        encodeBuildSummary({ ...summary, publish: { pushed: pushed(["onnx-fp32"]), k: Array(MAX_VARIANTS).fill("f".repeat(64)) } }),
      ),
    ).toThrow("not a build summary");
  });

  it("cuts a publish error to fit, keeping the measurements", () => {
    const failed = { ...summary, publish: { error: "x".repeat(5_000) } };
    expect(parseBuildSummary(encodeBuildSummary(failed))).toMatchObject({ publish: { error: "x".repeat(512) } });
  });

  it("cuts an error to fit, and names what is wrong with a message that is not a summary", () => {
    expect(parseBuildSummary(encodeBuildSummary({ error: "x".repeat(10_000) }))).toEqual({ error: "x".repeat(1024) });
    expect(() => parseBuildSummary("Completed")).toThrow("not JSON");
    expect(() => parseBuildSummary(JSON.stringify({ ...summary, targets: [{ ...summary.targets[0], target: "tensorrt" }] }))).toThrow(
      "not a build summary",
    );
  });
});
