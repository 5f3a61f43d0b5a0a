import type { Metric, Sample } from "@edgefleet/telemetry";
import { sample } from "@edgefleet/telemetry";
import type { CommandRunner } from "./command.js";
import type { ReadError, Reading, Sensor } from "./sensor.js";

export const NVIDIA_SMI_ARGS = [
  "--query-gpu=index,name,temperature.gpu,power.draw,utilization.gpu,memory.used,clocks_throttle_reasons.active",
  "--format=csv,noheader,nounits",
] as const;

/**
 * Throttle reasons that mean the GPU runs slower than asked: software power cap, hardware slowdown,
 * software and hardware thermal slowdown, power brake. Idle (0x1) and application clock settings
 * (0x2) are choices, not throttling.
 */
const THROTTLING_REASONS = 0x4n | 0x8n | 0x20n | 0x40n | 0x80n;

const MIB = 1024 * 1024;

/** A numeric field, or undefined for the placeholders nvidia-smi prints ("[N/A]", "[Not Supported]"). */
function field(text: string | undefined): number | undefined {
  if (text === undefined || !/^-?\d+(\.\d+)?$/.test(text)) return undefined;
  return Number(text);
}

/** One sample per field the GPU reports; a line with the wrong number of fields is an error. */
export function parseNvidiaSmi(output: string): Reading {
  const samples: Sample[] = [];
  const errors: ReadError[] = [];
  for (const line of output.split("\n").filter((l) => l.trim() !== "")) {
    const fields = line.split(",").map((f) => f.trim());
    const [index, model, temperature, power, utilization, memory, reasons] = fields;
    if (fields.length !== 7 || index === undefined || model === undefined) {
      errors.push({ source: "nvidia-smi", message: `expected 7 fields, got ${fields.length}: ${JSON.stringify(line.slice(0, 80))}` });
      continue;
    }
    const labels = { gpu: index, model };
    const add = (metric: Metric, value: number | undefined) => {
      if (value !== undefined) samples.push(sample(metric, value, labels));
    };
    add("gpu_temperature_celsius", field(temperature));
    add("gpu_power_watts", field(power));
    add(
      "gpu_utilization_ratio",
      mapDefined(field(utilization), (percent) => percent / 100),
    );
    add(
      "gpu_memory_used_bytes",
      mapDefined(field(memory), (mib) => mib * MIB),
    );
    if (reasons !== undefined && /^0x[0-9a-f]+$/i.test(reasons)) {
      samples.push(sample("throttled", (BigInt(reasons) & THROTTLING_REASONS) !== 0n ? 1 : 0, { component: `gpu${index}` }));
    }
  }
  return { samples, errors };
}

function mapDefined(value: number | undefined, f: (v: number) => number): number | undefined {
  return value === undefined ? undefined : f(value);
}

/** NVIDIA GPUs through nvidia-smi; a missing or failing nvidia-smi is a read error, not a crash. */
export function nvidiaSmiSensor(options: { run: CommandRunner }): Sensor {
  return {
    type: "nvidia-smi",
    async read(): Promise<Reading> {
      try {
        return parseNvidiaSmi(await options.run("nvidia-smi", NVIDIA_SMI_ARGS));
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        return { samples: [], errors: [{ source: "nvidia-smi", message: typeof code === "string" ? code : String(err) }] };
      }
    },
  };
}
