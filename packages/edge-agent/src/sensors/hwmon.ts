import type { Sample } from "@edgefleet/telemetry";
import { sample } from "@edgefleet/telemetry";
import type { Sensor } from "./sensor.js";
import { fileSensor } from "./sysfs.js";

const HWMON = "sys/class/hwmon";

/** The hwmon channel kinds edgefleet reads, with the factor from the kernel's unit to the base unit. */
const CHANNELS = [
  { prefix: "temp", metric: "hwmon_temperature_celsius", scale: 1e-3 }, // millidegrees C
  { prefix: "power", metric: "hwmon_power_watts", scale: 1e-6 }, // microwatts
] as const;

/** Temperatures and power from every hwmon chip, labelled by chip name and channel label. */
export function hwmonSensor(options: { root: string }): Sensor {
  return fileSensor("hwmon", options.root, async (fs) => {
    const samples: Sample[] = [];
    for (const id of await fs.list(HWMON, /^hwmon\d+$/)) {
      const dir = `${HWMON}/${id}`;
      const chip = await fs.text(`${dir}/name`);
      if (chip === undefined) continue;
      for (const { prefix, metric, scale } of CHANNELS) {
        for (const input of await fs.list(dir, new RegExp(`^${prefix}\\d+_input$`))) {
          const channel = input.slice(0, -"_input".length);
          const value = await fs.integer(`${dir}/${input}`);
          // Unlabelled channels are common (acpitz, cpu_thermal), and some drivers write an empty
          // label: the channel name stands in. An over-long one is left to the telemetry encoder,
          // which drops that sample alone.
          const label = (await fs.optionalText(`${dir}/${channel}_label`)) || channel;
          if (value !== undefined) samples.push(sample(metric, value * scale, { chip, sensor: label }));
        }
      }
    }
    return samples;
  });
}
