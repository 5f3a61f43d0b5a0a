import { describe, expect, it } from "vitest";
import { fixture } from "../testing/fixtures.js";
import { thermalSensor } from "./thermal.js";

describe("thermal sensor", () => {
  it("reads zones in celsius and cooling devices as a throttling ratio on a Jetson Orin", async () => {
    const reading = await thermalSensor({ root: fixture("jetson-orin") }).read();
    expect(reading.errors).toEqual([]);
    expect(reading.samples).toEqual([
      { metric: "thermal_zone_temperature_celsius", unit: "celsius", value: 48.25, labels: { zone: "cpu-thermal", id: "thermal_zone0" } },
      { metric: "thermal_zone_temperature_celsius", unit: "celsius", value: 46.125, labels: { zone: "gpu-thermal", id: "thermal_zone1" } },
      { metric: "thermal_zone_temperature_celsius", unit: "celsius", value: -256, labels: { zone: "cv0-thermal", id: "thermal_zone2" } },
      { metric: "thermal_zone_temperature_celsius", unit: "celsius", value: 47.312, labels: { zone: "soc0-thermal", id: "thermal_zone3" } },
      { metric: "thermal_zone_temperature_celsius", unit: "celsius", value: 48.906, labels: { zone: "tj-thermal", id: "thermal_zone4" } },
      { metric: "cooling_device_state_ratio", unit: "ratio", value: 0.2, labels: { device: "pwm-fan", id: "cooling_device0" } },
    ]);
  });

  it("keeps same-named cooling devices apart by their sysfs id (x86 has one Processor per core)", async () => {
    const { samples } = await thermalSensor({ root: fixture("x86-rapl") }).read();
    expect(samples.filter((s) => s.metric === "cooling_device_state_ratio").map((s) => s.labels)).toEqual([
      { device: "Processor", id: "cooling_device0" },
      { device: "Processor", id: "cooling_device1" },
      { device: "intel_powerclamp", id: "cooling_device2" },
    ]);
  });

  it("reports what it can and counts missing and malformed files", async () => {
    const reading = await thermalSensor({ root: fixture("broken") }).read();
    expect(reading.samples.map((s) => s.labels)).toEqual([{ zone: "cpu-thermal", id: "thermal_zone0" }]);
    expect(reading.errors).toEqual([
      { source: "sys/class/thermal/thermal_zone1/temp", message: "ENOENT" },
      { source: "sys/class/thermal/thermal_zone2/temp", message: 'not an integer: "N/A"' },
      { source: "sys/class/thermal/cooling_device0/max_state", message: "ENOENT" },
    ]);
  });

  it("reports a missing thermal class as an error, not an exception", async () => {
    const reading = await thermalSensor({ root: fixture("nvidia-smi") }).read();
    expect(reading.samples).toEqual([]);
    expect(reading.errors).toEqual([
      { source: "sys/class/thermal", message: "ENOENT" },
      { source: "sys/class/thermal", message: "ENOENT" },
    ]);
  });
});
