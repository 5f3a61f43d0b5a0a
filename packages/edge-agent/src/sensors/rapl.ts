import type { Clock } from "@edgefleet/kit";
import type { Sample } from "@edgefleet/telemetry";
import { sample } from "@edgefleet/telemetry";
import type { Sensor } from "./sensor.js";
import { fileSensor } from "./sysfs.js";

const POWERCAP = "sys/class/powercap";

/**
 * Microjoules consumed between two counter readings. The counter wraps to zero after
 * max_energy_range_uj, so a smaller second reading means one wrap (RAPL counters wrap every few
 * minutes to hours under load; a read interval of seconds cannot miss two).
 */
export function energyDeltaMicrojoules(previous: number, current: number, range: number): number {
  return current >= previous ? current - previous : range - previous + current;
}

interface ZoneState {
  counter: number;
  totalJoules: number;
}

/**
 * Intel RAPL energy per powercap zone (package-N, core, uncore, dram, psys): a running total in
 * joules that survives counter wraps, and the average watts since the previous read. On kernels
 * since 5.10 energy_uj is readable by root only, which shows up here as EACCES read errors.
 */
export function raplSensor(options: { root: string; clock: Clock }): Sensor {
  const zones = new Map<string, ZoneState>();
  let lastRead: number | undefined;
  return fileSensor("rapl", options.root, async (fs) => {
    const samples: Sample[] = [];
    const now = options.clock.now();
    const seconds = lastRead === undefined ? undefined : (now - lastRead) / 1000;
    lastRead = now;
    for (const id of await fs.list(POWERCAP, /^intel-rapl:[\d:]+$/)) {
      const domain = await fs.text(`${POWERCAP}/${id}/name`);
      const counter = await fs.integer(`${POWERCAP}/${id}/energy_uj`);
      const range = await fs.integer(`${POWERCAP}/${id}/max_energy_range_uj`);
      if (domain === undefined || counter === undefined || range === undefined) continue;
      const labels = { domain, id };
      let state = zones.get(id);
      if (state === undefined) {
        state = { counter, totalJoules: counter / 1e6 };
        zones.set(id, state);
      } else {
        const joules = energyDeltaMicrojoules(state.counter, counter, range) / 1e6;
        state.counter = counter;
        state.totalJoules += joules;
        if (seconds !== undefined && seconds > 0) samples.push(sample("rapl_power_watts", joules / seconds, labels));
      }
      samples.push(sample("rapl_energy_joules", state.totalJoules, labels));
    }
    return samples;
  });
}
