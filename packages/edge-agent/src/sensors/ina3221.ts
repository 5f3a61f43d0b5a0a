import type { Sample } from "@edgefleet/telemetry";
import { sample } from "@edgefleet/telemetry";
import type { Sensor } from "./sensor.js";
import { fileSensor } from "./sysfs.js";

const DRIVER = "sys/bus/i2c/drivers/ina3221";

/**
 * Jetson power rails from the INA3221 monitors (JetPack 5/6 layout): each labelled channel's bus
 * voltage (mV) times its current (mA). Rails are named as the board wires them (VDD_GPU_SOC, VDD_IN).
 */
export function ina3221Sensor(options: { root: string }): Sensor {
  return fileSensor("ina3221", options.root, async (fs) => {
    const samples: Sample[] = [];
    // The driver directory also holds bind, unbind and uevent; devices are named <bus>-<address>.
    for (const device of await fs.list(DRIVER, /^\d+-[0-9a-f]{4}$/)) {
      for (const hwmon of await fs.list(`${DRIVER}/${device}/hwmon`, /^hwmon\d+$/)) {
        const dir = `${DRIVER}/${device}/hwmon/${hwmon}`;
        for (const label of await fs.list(dir, /^in\d+_label$/)) {
          const channel = label.slice("in".length, -"_label".length);
          const rail = await fs.text(`${dir}/${label}`);
          const millivolts = await fs.integer(`${dir}/in${channel}_input`);
          const milliamps = await fs.integer(`${dir}/curr${channel}_input`);
          if (rail !== undefined && millivolts !== undefined && milliamps !== undefined) {
            samples.push(sample("rail_power_watts", (millivolts * milliamps) / 1e6, { rail }));
          }
        }
      }
    }
    return samples;
  });
}
