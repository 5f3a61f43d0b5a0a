import { describe, expect, it } from "vitest";
import { fixture } from "../testing/fixtures.js";
import { hwmonSensor } from "./hwmon.js";

describe("hwmon sensor", () => {
  it("reads labelled and unlabelled temperature channels on x86", async () => {
    const reading = await hwmonSensor({ root: fixture("x86-rapl") }).read();
    expect(reading.errors).toEqual([]);
    expect(reading.samples.map((s) => [s.labels.chip, s.labels.sensor, s.value])).toEqual([
      ["acpitz", "temp1", 27.8],
      ["nvme", "Composite", 38.85],
      ["coretemp", "Package id 0", 52],
      ["coretemp", "Core 0", 49],
      ["coretemp", "Core 1", 51],
    ]);
    expect(new Set(reading.samples.map((s) => s.unit))).toEqual(new Set(["celsius"]));
  });

  it("reads a Raspberry Pi 5 and ignores channels it does not publish (fans, voltages)", async () => {
    const { samples } = await hwmonSensor({ root: fixture("rpi5") }).read();
    expect(samples.map((s) => [s.metric, s.labels.chip, s.value])).toEqual([
      ["hwmon_temperature_celsius", "cpu_thermal", 61.65],
      ["hwmon_temperature_celsius", "rp1_adc", 55.208],
    ]);
  });

  it("converts microwatts to watts, names a channel with an empty label by itself, and counts a nameless chip and a garbage value", async () => {
    const reading = await hwmonSensor({ root: fixture("broken") }).read();
    expect(reading.samples.map((s) => [s.metric, s.value, s.labels.chip, s.labels.sensor])).toEqual([
      ["hwmon_power_watts", 4.2, "ina226", "power1"],
      // The over-long label is kept here: the telemetry encoder drops that sample alone (agent/telemetry.test.ts).
      [
        "hwmon_temperature_celsius",
        40,
        "nct6775",
        "SYSTIN sensor reported by a vendor BIOS with a label far longer than sixty-four characters",
      ],
      ["hwmon_temperature_celsius", 41, "nct6775", "temp2"],
      ["hwmon_temperature_celsius", 42, "nct6775", "CPUTIN"],
    ]);
    expect(reading.errors).toEqual([
      { source: "sys/class/hwmon/hwmon0/name", message: "ENOENT" },
      { source: "sys/class/hwmon/hwmon1/temp1_input", message: 'not an integer: "garbage"' },
    ]);
  });
});
