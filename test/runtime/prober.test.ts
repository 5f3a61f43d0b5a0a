import type { InferenceTarget } from "@edgefleet/edge-agent";
import { LatencyProber } from "@edgefleet/edge-agent";
import { InferenceStats } from "@edgefleet/telemetry";
import { IMAGE_SIZE, INPUT_NAME } from "@edgefleet/test-models";
import { Value } from "@sinclair/typebox/value";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { postJson } from "./oip.js";
import { type RuntimeProcess, startRuntime, testModels } from "./runtime-process.js";

const models = testModels();
let runtime: RuntimeProcess;
let target: InferenceTarget;
const probers: LatencyProber[] = [];

function prober(targets: InferenceTarget[]): LatencyProber {
  const p = new LatencyProber({ targets, intervalMs: 25 });
  probers.push(p);
  return p;
}

beforeAll(async () => {
  runtime = await startRuntime(["--model-name=detector", "--model-version=1.0.0", `--model-path=${models.path("detector")}`]);
  target = { baseUrl: runtime.url, namespace: "vision", model: "detector", version: "1.0.0", variant: "onnx-fp32", runtime: "onnx" };
});

afterAll(async () => {
  await Promise.all(probers.map((p) => p.stop()));
  await runtime?.stop();
  models.remove();
});

const labels = (t: InferenceTarget) => ({
  namespace: t.namespace,
  model: t.model,
  version: t.version,
  variant: t.variant,
  runtime: t.runtime,
});

describe("latency prober against the real CPU runtime", () => {
  it("measures probes into InferenceStats deltas the telemetry schema accepts, reset by collect", async () => {
    const p = prober([target]);
    for (let i = 0; i < 3; i++) await p.probeAll();
    const [stats, ...rest] = p.collect();
    expect(rest).toEqual([]);
    expect(Value.Check(InferenceStats, stats)).toBe(true);
    expect(stats).toMatchObject({ ...labels(target), requests: 3, errors: 0 });
    expect(stats?.latencyBucketCounts.reduce((a, b) => a + b, 0)).toBe(3);
    expect(stats?.latencySumSeconds).toBeGreaterThan(0);
    expect(p.collect()).toEqual([]);
  });

  it("counts an unknown version and an unreachable runtime as errors, never rejecting", async () => {
    const missing = { ...target, version: "9.9.9" };
    const down = { ...target, baseUrl: "http://127.0.0.1:1", variant: "down" };
    const p = prober([missing, down]);
    await p.probeAll();
    await p.probeAll();
    const zeros = new Array(13).fill(0);
    expect(p.collect()).toEqual([
      { ...labels(missing), requests: 2, errors: 2, latencyBucketCounts: zeros, latencySumSeconds: 0 },
      { ...labels(down), requests: 2, errors: 2, latencyBucketCounts: zeros, latencySumSeconds: 0 },
    ]);
  });

  it("reports the runtime's own counts of all traffic when the target reads its metrics", async () => {
    const p = prober([{ ...target, runtimeMetrics: true }]);
    await p.probeAll(); // a baseline scrape comes before the first request, so the runtime counts it too
    expect(p.collect()).toMatchObject([{ requests: 1, errors: 0 }]);
    const data = new Array(3 * IMAGE_SIZE * IMAGE_SIZE).fill(0.5);
    const request = { inputs: [{ name: INPUT_NAME, shape: [1, 3, IMAGE_SIZE, IMAGE_SIZE], datatype: "FP32", data }] };
    for (let i = 0; i < 4; i++) expect((await postJson(`${runtime.url}/v2/models/detector/infer`, request)).status).toBe(200);
    // Junk from others: malformed, another model, a huge batch. The client's errors, not the model's.
    const huge = { inputs: [{ ...request.inputs[0], shape: [1_000_000, 3, IMAGE_SIZE, IMAGE_SIZE], data: [] }] };
    for (const [path, body] of [
      ["detector", { inputs: [] }],
      ["yolo", request],
      ["detector", huge],
    ] as const)
      expect((await postJson(`${runtime.url}/v2/models/${path}/infer`, body)).status).toBeGreaterThanOrEqual(400);
    await p.probeAll();
    const [stats] = p.collect();
    // 4 served and this round's probe; the junk moves neither requests nor errors.
    expect(stats).toMatchObject({ requests: 5, errors: 0 });
    expect(stats?.latencyBucketCounts.reduce((a, b) => a + b, 0)).toBe(5);
  });

  it("keeps a removed target's counts for one more collect when targets change", async () => {
    const p = prober([target]);
    await p.probeAll();
    const other = { ...target, variant: "other" };
    p.setTargets([other]);
    await p.probeAll();
    expect(p.collect().map((s) => [s.variant, s.requests])).toEqual([
      ["onnx-fp32", 1],
      ["other", 1],
    ]);
    await p.probeAll();
    expect(p.collect().map((s) => [s.variant, s.requests])).toEqual([["other", 1]]);
  });

  it("probes on its own once started, until stopped", async () => {
    const p = prober([target]);
    p.start();
    let seen = 0;
    while (seen < 3) {
      await new Promise((r) => setTimeout(r, 20));
      seen += p.collect().reduce((n, s) => n + s.requests, 0);
    }
    await p.stop();
    p.collect();
    await new Promise((r) => setTimeout(r, 80));
    expect(p.collect()).toEqual([]);
  });
});
