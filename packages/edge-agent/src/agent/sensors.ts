import { type Clock, seededRandom, systemClock } from "@edgefleet/kit";
import { createSensor, type SensorType } from "../sensors/factory.js";
import type { Sensor } from "../sensors/sensor.js";

export interface SensorSetOptions {
  readonly types: readonly SensorType[];
  /** Root holding sys/ and proc/ for the file sensors. */
  readonly root: string;
  readonly simulatedSeed: number;
  /** The simulated device's load, 0..1, where the caller steers it (the fleet simulator); undefined: the seed's wave. */
  readonly simulatedLoad?: (() => number | undefined) | undefined;
  readonly clock?: Clock;
}

/** Ten minutes per load cycle: slow enough that the simulated temperature visibly follows. */
const SIMULATED_PERIOD_MS = 600_000;

/**
 * The load that drives the simulated sensor when the agent runs alone (the fleet simulator passes
 * its own workload): a slow wave between 10% and 90%, phase-shifted by the seed so a simulated
 * fleet does not heat up in lockstep.
 */
export function simulatedLoad(seed: number, clock: Clock): () => number {
  const phase = seededRandom(seed)() * 2 * Math.PI;
  return () => 0.5 + 0.4 * Math.sin((2 * Math.PI * clock.now()) / SIMULATED_PERIOD_MS + phase);
}

/** The sensors the --sensors flag names, built by the sensor factory. */
export function sensorSet(options: SensorSetOptions): Sensor[] {
  const clock = options.clock ?? systemClock;
  return options.types.map((type) => {
    switch (type) {
      case "simulated": {
        const wave = simulatedLoad(options.simulatedSeed, clock);
        const steered = options.simulatedLoad;
        return createSensor({ type, seed: options.simulatedSeed, clock, load: steered ? () => steered() ?? wave() : wave });
      }
      case "rapl":
        return createSensor({ type, root: options.root, clock });
      case "nvidia-smi":
        return createSensor({ type });
      default:
        return createSensor({ type, root: options.root });
    }
  });
}
