import { describe, expect, it } from "vitest";
import { placementTable, summarize } from "./summary.js";

const model = (status: object, generation = 2) => ({ metadata: { name: "detector", generation }, spec: { version: "1.0" }, status });

describe("demo summary", () => {
  it("is converged only when the operator observed the current generation, settled when Ready and Degraded are set", () => {
    expect(summarize(model({ observedGeneration: 1 })).converged).toBe(false);
    const s = summarize(model({ observedGeneration: 2, conditions: [{ type: "Ready", status: "True" }] }));
    expect(s).toMatchObject({ converged: true, settled: false, progressing: false, ready: "True", degraded: "Unknown" });
    expect(summarize(model({ conditions: [{ type: "Progressing", status: "True" }] })).progressing).toBe(true);
    expect(summarize({}).converged).toBe(false);
  });

  it("prints a row per hardware class with the variant or why none fits", () => {
    const s = summarize(
      model({
        observedGeneration: 2,
        conditions: [
          { type: "Ready", status: "False" },
          { type: "Degraded", status: "True" },
        ],
        placements: [
          { hardwareClass: "intel-nuc", nodes: 5, ready: 5, variant: "ov-fp16", runtime: "openvino" },
          { hardwareClass: "x86-cpu", nodes: 5, ready: 0, reason: "no variant fits: ov-fp16 needs intel-gpu" },
        ],
      }),
    );
    expect(placementTable([s]).split("\n")).toEqual([
      "detector 1.0: Ready=False Degraded=True",
      "  CLASS      READY  VARIANT  RUNTIME   WHY NOT PLACED",
      "  intel-nuc  5/5    ov-fp16  openvino",
      "  x86-cpu    0/5    -        -         no variant fits: ov-fp16 needs intel-gpu",
    ]);
  });
});
