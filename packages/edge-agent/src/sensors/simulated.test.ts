import { FakeClock } from "@edgefleet/kit";
import type { Sample } from "@edgefleet/telemetry";
import { describe, expect, it } from "vitest";
import { simulatedSensor } from "./simulated.js";

const value = (samples: Sample[], metric: Sample["metric"]) => samples.find((s) => s.metric === metric)?.value;

/** Reads every `stepMs` for `steps` steps at a fixed load and returns the readings' samples. */
async function run(options: { seed: number; load: number; steps: number; stepMs: number }): Promise<Sample[][]> {
  const clock = new FakeClock();
  const sensor = simulatedSensor({ seed: options.seed, clock, load: () => options.load });
  const readings: Sample[][] = [];
  for (let i = 0; i < options.steps; i++) {
    clock.advance(options.stepMs);
    readings.push((await sensor.read()).samples);
  }
  return readings;
}

describe("simulated sensor", () => {
  it("replays identically from the same seed and differs with another", async () => {
    const a = await run({ seed: 7, load: 0.5, steps: 5, stepMs: 1_000 });
    expect(await run({ seed: 7, load: 0.5, steps: 5, stepMs: 1_000 })).toEqual(a);
    expect(await run({ seed: 8, load: 0.5, steps: 5, stepMs: 1_000 })).not.toEqual(a);
  });

  it("lags toward a load-dependent temperature as a first-order system", async () => {
    // Default profile: 35 °C ambient, 88 °C at full load, 60 s time constant.
    const readings = await run({ seed: 1, load: 1, steps: 3, stepMs: 60_000 });
    const temps = readings.map((r) => value(r, "thermal_zone_temperature_celsius"));
    expect(temps[0]).toBeCloseTo(88 - 53 * Math.exp(-1), 9);
    expect(temps[1]).toBeCloseTo(88 - 53 * Math.exp(-2), 9);
    expect(temps[2]).toBeCloseTo(88 - 53 * Math.exp(-3), 9);
  });

  it("flags throttling only once the temperature passes the threshold", async () => {
    const readings = await run({ seed: 1, load: 1, steps: 4, stepMs: 30_000 });
    // 88 - 53 e^(-t/60) is 76.2 °C at 90 s and 80.8 °C at 120 s, past the 80 °C threshold.
    expect(readings.map((r) => value(r, "throttled"))).toEqual([0, 0, 0, 1]);
  });

  it("draws power that follows the load within the jitter and reports the load", async () => {
    for (const load of [0, 0.5, 1]) {
      const [samples = []] = await run({ seed: 3, load, steps: 1, stepMs: 1_000 });
      expect(Math.abs((value(samples, "rail_power_watts") ?? Number.NaN) - (4 + 21 * load))).toBeLessThanOrEqual(0.3);
      expect(value(samples, "cpu_utilization_ratio")).toBe(load);
    }
  });

  it("clamps a load outside 0..1", async () => {
    const [samples = []] = await run({ seed: 3, load: 7, steps: 1, stepMs: 1_000 });
    expect(value(samples, "cpu_utilization_ratio")).toBe(1);
  });
});
