import { createHash } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { FakeClock } from "@edgefleet/kit";
import { describe, expect, it } from "vitest";
import { EvaluationStore } from "./evaluation-store.js";
import { STORED } from "./npz-fixtures.test-support.js";
import { LatencyProber } from "./prober.js";

const flush = () => new Promise((r) => setTimeout(r, 0));

describe("LatencyProber loop", () => {
  it("schedules one round at a time, the next only after the previous finished, and stops", async () => {
    // Time moves only when the test says, so the loop's scheduling is visible without waiting.
    const clock = new FakeClock();
    // Port 1 on loopback refuses at once: a real, fast failure.
    const target = { baseUrl: "http://127.0.0.1:1", namespace: "ns", model: "m", version: "1", variant: "v", runtime: "onnx" };
    const prober = new LatencyProber({ targets: [target], intervalMs: 1_000, clock });
    prober.start();
    prober.start();
    expect(clock.dueIn()).toEqual([0]);
    clock.advance(0);
    expect(clock.pending).toBe(0); // the round is in flight: nothing scheduled yet
    clock.advance(240);
    while (clock.pending === 0) await flush();
    expect(clock.dueIn()).toEqual([760]);
    expect(prober.collect()).toMatchObject([{ requests: 1, errors: 1 }]);
    await prober.stop();
    expect(clock.pending).toBe(0);
  });

  it("refuses a non-positive interval, naming it", () => {
    expect(() => new LatencyProber({ intervalMs: 0 })).toThrow(/intervalMs must be positive, got 0/);
  });
});

describe("LatencyProber scoring", () => {
  it("sends the evaluation's labelled samples in turn instead of the synthetic input, and reports the right answers", async () => {
    // An OIP v2 model of one FP32 input [-1, 3] that always answers class 1: right on sample 0, wrong on sample 1.
    const bodies: unknown[] = [];
    const server = createServer((req, res) => {
      let body = "";
      req.on("data", (c: Buffer) => {
        body += c.toString();
      });
      req.on("end", () => {
        if (req.method === "POST") bodies.push(JSON.parse(body));
        res.end(
          JSON.stringify(
            req.url?.endsWith("/infer")
              ? { outputs: [{ name: "label", datatype: "INT64", shape: [1], data: [1] }] }
              : { inputs: [{ name: "x", datatype: "FP32", shape: [-1, 3] }] },
          ),
        );
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const evaluation = { uri: "https://data.example/e.npz", sha256: createHash("sha256").update(STORED).digest("hex"), samples: 2 };
    const store = new EvaluationStore({ read: async () => STORED, maxBytes: 1 << 20 });
    const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const target = { baseUrl, namespace: "ns", model: "m", version: "1", variant: "v", runtime: "onnx", evaluation };
    const prober = new LatencyProber({ targets: [target], intervalMs: 1_000, evaluation: { store, samplesPerRound: 1 } });
    try {
      store.get(evaluation);
      await new Promise((r) => setTimeout(r, 10));
      await prober.probeAll();
      await prober.probeAll();
      expect(prober.collect()).toMatchObject([{ requests: 2, errors: 0, evaluations: 2, evaluationsCorrect: 1 }]);
      expect(bodies.map((b) => (b as { inputs: { data: number[] }[] }).inputs[0]?.data)).toEqual([
        [0.5, 1, 0],
        [0.25, 0, 2],
      ]);
      // Without evaluation data the synthetic input stands in, and nothing is scored.
      const { evaluation: _, ...synthetic } = target;
      prober.setTargets([synthetic]);
      await prober.probeAll();
      const [stats] = prober.collect();
      expect(stats).toMatchObject({ requests: 1 });
      expect(stats?.evaluations).toBeUndefined();
    } finally {
      await prober.stop();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it("probes a model repository's served version and reports the model's", async () => {
    const paths: string[] = [];
    const server = createServer((req, res) => {
      paths.push(`${req.method} ${req.url}`);
      req
        .resume()
        .on("end", () =>
          res.end(
            JSON.stringify(
              req.url?.endsWith("/infer")
                ? { outputs: [{ name: "y", datatype: "FP32", shape: [1, 1], data: [0] }] }
                : { inputs: [{ name: "x", datatype: "FP32", shape: [1, 3] }] },
            ),
          ),
        );
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const target = {
      baseUrl,
      namespace: "vision",
      model: "detector",
      version: "2.0",
      servedVersion: "1",
      variant: "trt",
      runtime: "triton",
    };
    const prober = new LatencyProber({ targets: [target], intervalMs: 1_000 });
    try {
      await prober.probeAll();
      expect(paths).toEqual([
        "GET /v2/models/detector/versions/1/ready",
        "GET /v2/models/detector/versions/1",
        "POST /v2/models/detector/versions/1/infer",
      ]);
      expect(prober.collect()).toMatchObject([{ model: "detector", version: "2.0", requests: 1, errors: 0 }]);
    } finally {
      await prober.stop();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
