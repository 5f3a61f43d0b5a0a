import { FakeClock } from "@edgefleet/kit";
import { describe, expect, it } from "vitest";
import { sensorSet } from "./sensors.js";

const cpu = async (sensor: ReturnType<typeof sensorSet>[number]) =>
  (await sensor.read()).samples.find((s) => s.metric === "cpu_utilization_ratio")?.value;

describe("the simulated sensor's load", () => {
  it("follows the seed's wave, or the caller's steering while it gives a value", async () => {
    const clock = new FakeClock();
    let steered: number | undefined;
    const [wave] = sensorSet({ types: ["simulated"], root: "/", simulatedSeed: 3, clock });
    const [sensor] = sensorSet({ types: ["simulated"], root: "/", simulatedSeed: 3, clock, simulatedLoad: () => steered });
    if (!wave || !sensor) throw new Error("no sensor");
    expect(await cpu(sensor)).toBe(await cpu(wave));
    steered = 0.97;
    expect(await cpu(sensor)).toBe(0.97);
    steered = undefined;
    expect(await cpu(sensor)).toBe(await cpu(wave));
  });
});
