import { describe, expect, it } from "vitest";
import { parseProgress } from "./progress.js";

describe("parseProgress", () => {
  it("reads the devices, those that joined, the rounds (skipping and counting bad lines) and the result", () => {
    const round = {
      round: 1,
      sampled: 3,
      available: 4,
      participants: 2,
      dropouts: 1,
      trainLoss: null,
      loss: 0.9,
      accuracyPercent: 71.5,
      seconds: 12.5,
      epsilon: 1.2,
    };
    const p = parseProgress({
      devices: "n1\nn2\nn3",
      joined: "n4",
      "rounds.jsonl": `${JSON.stringify(round)}\nnot json\n{"round": 2}\n`,
      "result.json": JSON.stringify({ roundsPlanned: 1, finalAccuracyPercent: 71.5, epsilon: 1.2, model: "/out/digits-federated.onnx" }),
    });
    expect(p).toEqual({
      devices: ["n1", "n2", "n3"],
      joined: ["n4"],
      rounds: [
        { round: 1, sampled: 3, available: 4, participants: 2, dropouts: 1, loss: 0.9, accuracyPercent: 71.5, seconds: 12.5, epsilon: 1.2 },
      ],
      invalidLines: 2,
      result: { roundsPlanned: 1, finalAccuracyPercent: 71.5, epsilon: 1.2, model: "/out/digits-federated.onnx" },
    });
  });

  it("has no result until a whole one is written", () => {
    expect(parseProgress({ devices: "n1", "result.json": '{"roundsPl' }).result).toBeUndefined();
  });
});
