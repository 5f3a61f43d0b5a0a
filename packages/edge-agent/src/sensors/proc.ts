import type { Sample } from "@edgefleet/telemetry";
import { sample } from "@edgefleet/telemetry";
import type { Sensor } from "./sensor.js";
import { fileSensor } from "./sysfs.js";

/** Jiffies a CPU line of /proc/stat has counted: all of them, and those spent idle (idle + iowait). */
export interface CpuTimes {
  readonly total: number;
  readonly idle: number;
}

/** The cpu lines of /proc/stat by name ("cpu" for all CPUs, "cpu0"...); guest time is already in user. */
export function parseProcStat(text: string): Map<string, CpuTimes> {
  const cpus = new Map<string, CpuTimes>();
  for (const line of text.split("\n")) {
    const [name = "", ...fields] = line.trim().split(/\s+/);
    if (!name.startsWith("cpu") || fields.length < 4) continue;
    const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = fields.map(Number);
    cpus.set(name, { total: user + nice + system + idle + iowait + irq + softirq + steal, idle: idle + iowait });
  }
  return cpus;
}

/** Busy fraction between two readings; undefined when no time passed (or the counters reset). */
export function cpuUtilization(previous: CpuTimes, current: CpuTimes): number | undefined {
  const total = current.total - previous.total;
  if (total <= 0) return undefined;
  return Math.min(1, Math.max(0, 1 - (current.idle - previous.idle) / total));
}

/** CPU utilization overall ("all") and per CPU, from the second read on. */
export function cpuSensor(options: { root: string }): Sensor {
  let previous = new Map<string, CpuTimes>();
  return fileSensor("cpu", options.root, async (fs) => {
    const text = await fs.text("proc/stat");
    const current = parseProcStat(text ?? "");
    if (text !== undefined && !current.has("cpu")) fs.errors.push({ source: "proc/stat", message: "no aggregate cpu line" });
    const samples: Sample[] = [];
    for (const [name, times] of current) {
      const before = previous.get(name);
      const ratio = before === undefined ? undefined : cpuUtilization(before, times);
      if (ratio !== undefined) samples.push(sample("cpu_utilization_ratio", ratio, { cpu: name === "cpu" ? "all" : name }));
    }
    previous = current;
    return samples;
  });
}

/** Total and available memory from /proc/meminfo, whose kB are kibibytes. */
export function memorySensor(options: { root: string }): Sensor {
  return fileSensor("memory", options.root, async (fs) => {
    const text = await fs.text("proc/meminfo");
    const samples: Sample[] = [];
    const fields = new Map(
      [...(text ?? "").matchAll(/^(\w+):\s+(\d+) kB$/gm)].map(([, key = "", kib = "0"]) => [key, Number(kib) * 1024] as const),
    );
    for (const [key, metric] of [
      ["MemTotal", "memory_total_bytes"],
      ["MemAvailable", "memory_available_bytes"],
    ] as const) {
      const bytes = fields.get(key);
      if (bytes !== undefined) samples.push(sample(metric, bytes, {}));
      else if (text !== undefined) fs.errors.push({ source: "proc/meminfo", message: `no ${key} line` });
    }
    return samples;
  });
}
