import type { EdgeModel } from "@edgefleet/api";
import type { Clock } from "@edgefleet/kit";
import { describe, expect, it } from "vitest";
import { followRollout, measuredLine, rolloutEnded, rolloutLine } from "./rollout-progress.js";

const model = (rollout: object | undefined, generation = 2, observed = 2): EdgeModel =>
  ({
    apiVersion: "edgefleet.io/v1alpha1",
    kind: "EdgeModel",
    metadata: { name: "detector", namespace: "vision", generation },
    spec: { version: "2.0", variants: [], rollout: { steps: [1, 10, 100] } },
    status: { observedGeneration: observed, ...(rollout ? { rollout } : {}) },
  }) as unknown as EdgeModel;

/** A clock whose pauses end at once, moving its time on by their length. */
function instantClock(): Clock {
  let t = 0;
  return {
    now: () => t,
    wallMs: () => t,
    setTimer: (fn, ms) => {
      t += ms;
      queueMicrotask(fn);
      return () => {};
    },
    setInterval: () => () => {},
  };
}

const progressing = {
  phase: "Analysing",
  targetVersion: "2.0",
  step: 1,
  percent: 10,
  classes: [
    { hardwareClass: "jetson-orin", updated: 1, nodes: 5 },
    { hardwareClass: "x86-cpu", updated: 1, nodes: 5 },
  ],
};

describe("rollout progress", () => {
  it("shows phase, step, nodes on the new version per class and p95 per version", () => {
    const latency = new Map([
      ["1.0", 0.0042],
      ["2.0", 0.0381],
    ]);
    expect(rolloutLine(model(progressing), latency)).toBe(
      "2.0 Analysing step 2/3 (10%)  jetson-orin 1/5 x86-cpu 1/5  p95: 1.0 4.2ms, 2.0 38.1ms",
    );
    expect(rolloutLine(model(undefined), new Map())).toBe("2.0: placing");
  });

  it("ends only on a final phase of the version asked about, for the latest generation", () => {
    expect(rolloutEnded(model({ ...progressing, phase: "RolledBack" }), "2.0")).toBe("RolledBack");
    expect(rolloutEnded(model({ ...progressing, phase: "Promoted" }), "2.0")).toBe("Promoted");
    expect(rolloutEnded(model(progressing), "2.0")).toBeUndefined();
    expect(rolloutEnded(model({ ...progressing, phase: "Promoted" }), "3.0")).toBeUndefined();
    expect(rolloutEnded(model({ ...progressing, phase: "Promoted" }, 3, 2), "2.0")).toBeUndefined();
  });

  it("words what a class's devices measured, with what they run and the accuracy they scored where they scored some", () => {
    expect(
      measuredLine({
        hardwareClass: "x86-cpu",
        variant: "onnx-int8-static",
        runtime: "onnx",
        requests: 461,
        p50LatencySeconds: 0.00068,
        p95LatencySeconds: 0.0018,
        evaluations: 456,
        accuracyPercent: 96.4912,
        accuracyDropPoints: 1.6569,
      }),
    ).toBe(
      "x86-cpu onnx-int8-static on onnx: p50 0.68 ms, p95 1.80 ms over 461 requests; 96.49% right on 456 labelled samples (1.66 pt below the source)",
    );
    expect(
      measuredLine({ hardwareClass: "x86-cpu", requests: 227, evaluations: 370, accuracyPercent: 98.27, accuracyDropPoints: -0.12 }),
    ).toMatch(/98\.27% right on 370 labelled samples \(0\.12 pt above the source\)$/);
    expect(measuredLine({ hardwareClass: "rpi5-coral", requests: 3 })).toBe(
      "rpi5-coral: p50 -, p95 - over 3 requests; no labelled samples scored",
    );
  });

  it("follows a rollout to its end, and gives up at the timeout, also when the operator never starts it", async () => {
    const said: string[] = [];
    const ended = model({ ...progressing, phase: "Promoted" });
    const reads = [model({ ...progressing, targetVersion: "1.0", phase: "Promoted" }), model(progressing), ended];
    const followed = await followRollout("2.0", {
      read: async () => reads.shift() ?? ended,
      say: (l) => said.push(l),
      timeoutMs: 60_000,
      clock: instantClock(),
    });
    expect(followed).toBe(ended);
    expect(said).toEqual([
      "  2.0 Analysing step 2/3 (10%)  jetson-orin 1/5 x86-cpu 1/5",
      "  2.0 Promoted step 2/3 (10%)  jetson-orin 1/5 x86-cpu 1/5",
    ]);
    const never = model({ ...progressing, targetVersion: "1.0" });
    await expect(followRollout("2.0", { read: async () => never, say: () => {}, timeoutMs: 1_000, clock: instantClock() })).rejects.toThrow(
      "the rollout of 2.0 did not start within 1s: is the operator running? (see its log)",
    );
  });
});
