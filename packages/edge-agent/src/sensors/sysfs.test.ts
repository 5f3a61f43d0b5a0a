import { describe, expect, it } from "vitest";
import { fixture } from "../testing/fixtures.js";
import { fileSensor } from "./sysfs.js";

describe("fileSensor", () => {
  it("turns a throw midway into one more read error, keeping those already counted", async () => {
    const sensor = fileSensor("thermal", fixture("broken"), async (fs) => {
      await fs.text("sys/class/thermal/thermal_zone1/temp");
      throw new Error("bug");
    });
    expect(await sensor.read()).toEqual({
      samples: [],
      errors: [
        { source: "sys/class/thermal/thermal_zone1/temp", message: "ENOENT" },
        { source: "thermal", message: "Error: bug" },
      ],
    });
  });
});
