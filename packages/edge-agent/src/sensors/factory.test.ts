import { FakeClock } from "@edgefleet/kit";
import { describe, expect, it } from "vitest";
import { fixture } from "../testing/fixtures.js";
import { createSensor, SENSOR_TYPES, type SensorOptions } from "./factory.js";

describe("createSensor", () => {
  it("builds every known sensor type", () => {
    const clock = new FakeClock();
    const options: Record<(typeof SENSOR_TYPES)[number], SensorOptions> = {
      thermal: { type: "thermal", root: fixture("rpi5") },
      hwmon: { type: "hwmon" },
      rapl: { type: "rapl", clock },
      ina3221: { type: "ina3221" },
      "nvidia-smi": { type: "nvidia-smi", run: async () => "" },
      cpu: { type: "cpu" },
      memory: { type: "memory" },
      simulated: { type: "simulated", seed: 1, clock, load: () => 0 },
    };
    for (const type of SENSOR_TYPES) expect(createSensor(options[type]).type).toBe(type);
  });

  it("reads from the root it is given", async () => {
    const reading = await createSensor({ type: "thermal", root: fixture("rpi5") }).read();
    expect(reading.samples.map((s) => s.labels.zone ?? s.labels.device)).toEqual(["cpu-thermal", "pwm-fan"]);
  });

  it("throws on a type configuration names but no sensor implements", () => {
    const fromConfig = JSON.parse('{"type":"fan"}') as SensorOptions;
    expect(() => createSensor(fromConfig)).toThrow('unknown sensor type "fan" (known: thermal, hwmon, rapl');
  });
});
