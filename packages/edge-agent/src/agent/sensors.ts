import { type Clock, seededRandom, systemClock } from "@edgefleet/kit";
import { createSensor, type SensorType } from "../sensors/factory.js";
import type { Sensor } from "../sensors/sensor.js";

export interface SensorSetOptions {
  readonly types: readonly SensorType[];
  /** Root holding sys/ and proc/ for the file sensors. */
  readonly root: string;
  readonly simulatedSeed: number;
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
      case "simulated":
        return createSensor({ type, seed: options.simulatedSeed, clock, load: simulatedLoad(options.simulatedSeed, clock) });
      case "rapl":
        return createSensor({ type, root: options.root, clock });
      case "nvidia-smi":
        return createSensor({ type });
      default:
        return createSensor({ type, root: options.root });
    }
  });
}
