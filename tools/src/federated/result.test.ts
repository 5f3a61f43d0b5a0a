import { describe, expect, it } from "vitest";
import { bytesPerDevice, type FederatedResult, jsonLines, type Round, roundLine, summary, withTraffic } from "./result.js";

const round = (n: number, more: Partial<Round> = {}): Round => ({
  round: n,
  sampled: 10,
  participants: 9,
  dropouts: 1,
  trainLoss: 0.2,
  loss: 0.31234,
  accuracyPercent: 91.2345,
  seconds: 12.34,
  ...more,
});

const result: FederatedResult = {
  roundsRequested: 20,
  roundsPlanned: 20,
  rounds: [round(1), round(2)],
  seconds: 30.2,
  finalAccuracyPercent: 96.5,
  centralizedAccuracyPercent: 98.15,
  epsilon: null,
  model: "/out/digits-federated.onnx",
  calibration: "/out/digits-calibration.npz",
  evaluation: "/out/digits-evaluation.npz",
};

describe("jsonLines", () => {
  it("reads whole lines and leaves a partial one for the next read", () => {
    expect(jsonLines('{"a":1}\n\n{"a":2}\n{"a":')).toEqual({ items: [{ a: 1 }, { a: 2 }], rest: '{"a":' });
    expect(jsonLines('{"a":')).toEqual({ items: [], rest: '{"a":' });
  });
});

describe("bytesPerDevice", () => {
  it("sums each device's messages of a round, then averages over the devices", () => {
    const traffic = [
      // SecAgg+: four messages a device and round.
      { device: 0, round: "1", received: 100, sent: 10 },
      { device: 0, round: "1", received: 100, sent: 20 },
      { device: 1, round: "1", received: 300, sent: 30 },
      { device: 1, round: "2", received: 5, sent: 5 },
    ];
    expect(bytesPerDevice(traffic)).toEqual(
      new Map([
        [1, { received: 250, sent: 30 }],
        [2, { received: 5, sent: 5 }],
      ]),
    );
  });

  it("adds them to the rounds that had traffic", () => {
    const r = withTraffic(result, [{ device: 3, round: "2", received: 8, sent: 4 }]);
    expect(r.rounds[0]).toEqual(round(1));
    expect(r.rounds[1]?.bytesPerDevice).toEqual({ received: 8, sent: 4 });
  });
});

describe("progress", () => {
  it("says who replied, the model's figures and epsilon when there is one", () => {
    expect(roundLine(round(3), 20)).toBe(
      "round 3/20: 9 of 10 sampled devices replied (1 dropped out), loss 0.312, accuracy 91.23%, 12.3 s",
    );
    expect(roundLine(round(3, { epsilon: 1.23456 }), 5)).toContain("accuracy 91.23%, epsilon 1.235, 12.3 s");
    // Devices connected when it sampled: the DP sampling rate is sampled / connected.
    expect(roundLine(round(3, { available: 18 }), 5)).toContain("(1 dropped out), 18 connected, loss");
  });

  it("compares with central training and says when the budget cut the rounds", () => {
    expect(summary(result)).toBe(
      "federated: 96.50% after 2 round(s) in 30 s; centralized: 98.15% (-1.65 points)\nmodel: /out/digits-federated.onnx\n",
    );
    expect(summary({ ...result, epsilon: 2.5, roundsPlanned: 2 })).toContain("epsilon spent: 2.500 (the budget allowed 2 of 20 rounds)");
  });
});
