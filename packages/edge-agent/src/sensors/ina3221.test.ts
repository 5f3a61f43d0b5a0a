import { describe, expect, it } from "vitest";
import { fixture } from "../testing/fixtures.js";
import { ina3221Sensor } from "./ina3221.js";

describe("INA3221 rail sensor", () => {
  it("multiplies each rail's millivolts by its milliamps across both monitors of a Jetson Orin", async () => {
    const reading = await ina3221Sensor({ root: fixture("jetson-orin") }).read();
    expect(reading.errors).toEqual([]);
    expect(reading.samples.map((s) => [s.labels.rail, s.unit, s.value])).toEqual([
      ["VDD_GPU_SOC", "watts", (5056 * 1264) / 1e6],
      ["VDD_CPU_CV", "watts", (5064 * 344) / 1e6],
      ["VIN_SYS_5V0", "watts", (5016 * 776) / 1e6],
      ["VDDQ_VDD2_1V8AO", "watts", (5048 * 184) / 1e6],
    ]);
  });

  it("on a board without the monitors reports the missing driver once", async () => {
    const reading = await ina3221Sensor({ root: fixture("rpi5") }).read();
    expect(reading).toEqual({ samples: [], errors: [{ source: "sys/bus/i2c/drivers/ina3221", message: "ENOENT" }] });
  });
});
