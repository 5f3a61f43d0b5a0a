import { type Clock, systemClock } from "@edgefleet/kit";
import { type CommandRunner, execRunner } from "./command.js";
import { hwmonSensor } from "./hwmon.js";
import { ina3221Sensor } from "./ina3221.js";
import { nvidiaSmiSensor } from "./nvidia-smi.js";
import { cpuSensor, memorySensor } from "./proc.js";
import { raplSensor } from "./rapl.js";
import type { Sensor } from "./sensor.js";
import { type SimulatedOptions, simulatedSensor } from "./simulated.js";
import { thermalSensor } from "./thermal.js";

export const SENSOR_TYPES = ["thermal", "hwmon", "rapl", "ina3221", "nvidia-smi", "cpu", "memory", "simulated"] as const;
export type SensorType = (typeof SENSOR_TYPES)[number];

/** Where file-based sensors read from: "/" on a device, a fixture tree in tests. */
interface FileOptions {
  readonly root?: string;
}

export type SensorOptions =
  | ({ readonly type: "thermal" | "hwmon" | "ina3221" | "cpu" | "memory" } & FileOptions)
  | ({ readonly type: "rapl"; readonly clock?: Clock } & FileOptions)
  | { readonly type: "nvidia-smi"; readonly run?: CommandRunner }
  | ({ readonly type: "simulated" } & SimulatedOptions);

/** nvidia-smi answers in well under a second; longer means a wedged driver. */
const NVIDIA_SMI_TIMEOUT_MS = 5_000;

/**
 * The sensor an agent's configuration names. Configuration arrives as untyped data, so an unknown
 * type is a startup error rather than a sensor that silently reads nothing.
 */
export function createSensor(options: SensorOptions): Sensor {
  const root = "root" in options && options.root !== undefined ? options.root : "/";
  switch (options.type) {
    case "thermal":
      return thermalSensor({ root });
    case "hwmon":
      return hwmonSensor({ root });
    case "ina3221":
      return ina3221Sensor({ root });
    case "cpu":
      return cpuSensor({ root });
    case "memory":
      return memorySensor({ root });
    case "rapl":
      return raplSensor({ root, clock: options.clock ?? systemClock });
    case "nvidia-smi":
      return nvidiaSmiSensor({ run: options.run ?? execRunner({ timeoutMs: NVIDIA_SMI_TIMEOUT_MS }) });
    case "simulated":
      return simulatedSensor(options);
    default:
      throw new Error(`unknown sensor type ${JSON.stringify((options as { type: unknown }).type)} (known: ${SENSOR_TYPES.join(", ")})`);
  }
}
