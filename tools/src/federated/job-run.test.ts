import { describe, expect, it } from "vitest";
import { jobRun } from "./job-run.js";

describe("jobRun", () => {
  it("turns a job's settings into the Flower run config of fl run's flags, no simulated dropouts", () => {
    const dp = { clipNorm: 0.5, noiseMultiplier: 1.2, targetEpsilon: 4, delta: 1e-5 };
    const { config, split } = jobRun(
      {
        devices: 4,
        rounds: 3,
        devicesPerRoundPercent: 50,
        strategy: "FedProx",
        proximalMu: 0.05,
        secureAggregation: true,
        differentialPrivacy: dp,
        output: "/out",
      },
      "/sim/out",
    );
    const keys = Object.fromEntries(config.split(" ").map((kv) => kv.split("=")));
    expect(keys).toMatchObject({
      devices: "4",
      rounds: "3",
      fraction: "0.5",
      dropout: "0.0",
      secagg: "true",
      dp: "true",
      "dp-clipping-norm": "0.5",
      "dp-noise-multiplier": "1.2",
      "dp-target-epsilon": "4.0",
      "dp-delta": "0.00001",
      out: '"/sim/out"',
      strategy: '"fedprox"',
      "proximal-mu": "0.05",
    });
    expect(split).toEqual({ alpha: 0.5, seed: 1 });
  });
});
