import type { Sample } from "@edgefleet/telemetry";
import { sample } from "@edgefleet/telemetry";
import type { Sensor } from "./sensor.js";
import { fileSensor } from "./sysfs.js";

const THERMAL = "sys/class/thermal";

/**
 * Thermal zones (temperatures in millidegrees C) and cooling devices, whose cur_state/max_state
 * ratio is how far the kernel is throttling (a CPU frequency step, a fan speed).
 */
export function thermalSensor(options: { root: string }): Sensor {
  return fileSensor("thermal", options.root, async (fs) => {
    const samples: Sample[] = [];
    for (const id of await fs.list(THERMAL, /^thermal_zone\d+$/)) {
      const zone = await fs.text(`${THERMAL}/${id}/type`);
      const milli = await fs.integer(`${THERMAL}/${id}/temp`);
      if (zone !== undefined && milli !== undefined) samples.push(sample("thermal_zone_temperature_celsius", milli / 1000, { zone, id }));
    }
    for (const id of await fs.list(THERMAL, /^cooling_device\d+$/)) {
      const device = await fs.text(`${THERMAL}/${id}/type`);
      const cur = await fs.integer(`${THERMAL}/${id}/cur_state`);
      const max = await fs.integer(`${THERMAL}/${id}/max_state`);
      if (device === undefined || cur === undefined || max === undefined) continue;
      // A device with no states to step through (max_state 0) is never throttling.
      samples.push(sample("cooling_device_state_ratio", max > 0 ? cur / max : 0, { device, id }));
    }
    return samples;
  });
}
