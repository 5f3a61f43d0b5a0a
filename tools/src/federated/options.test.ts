import { optionsOf } from "@edgefleet/kit";
import { describe, expect, it } from "vitest";
import { RUN, runConfig } from "./options.js";

const parse = (...argv: string[]) => optionsOf(RUN.parse(["--out", "/tmp/x", ...argv], (v) => v));

describe("fl run flags", () => {
  it("turn into the app's run config, floats as floats", () => {
    const o = parse("--devices", "30", "--sample-percent", "20", "--dropout-percent", "0", "--secagg", "--dp-target-epsilon", "3");
    expect(runConfig(o, "/tmp/x").split(" ")).toEqual([
      "fraction=0.2",
      "learning-rate=0.05",
      "learning-rate-decay=0.9",
      "proximal-mu=0.01",
      "dropout=0.0",
      "dp-noise-multiplier=1.0",
      "dp-clipping-norm=1.0",
      "dp-target-epsilon=3.0",
      "dp-delta=0.00001",
      "devices=30",
      "rounds=20",
      "local-epochs=20",
      "batch-size=16",
      "seed=1",
      'strategy="fedavg"',
      "secagg=true",
      "dp=false",
      'out="/tmp/x"',
    ]);
  });

  it.each([
    [["--devices", "1"], "--devices"],
    [["--sample-percent", "0"], "--sample-percent"],
    [["--sample-percent", "101"], "--sample-percent"],
    [["--dropout-percent", "95"], "--dropout-percent"],
    [["--dp-noise-multiplier", "0"], "--dp-noise-multiplier"],
    [["--strategy", "fedsgd"], "--strategy"],
    [["--proximal-mu", "0"], "--proximal-mu"],
  ])("refuse %j naming the flag", (argv, flag) => {
    expect(() => parse(...argv)).toThrow(flag);
  });

  it("need --out", () => {
    expect(() => optionsOf(RUN.parse([], (v) => v))).toThrow("--out");
  });
});
