import { type Clock, seededRandom, systemClock } from "@edgefleet/kit";
import { sample } from "@edgefleet/telemetry";
import type { Reading, Sensor } from "./sensor.js";

/** How a simulated device heats and draws power; the defaults resemble a fanned Jetson-class module. */
export interface SimulatedProfile {
  readonly idleWatts: number;
  readonly maxWatts: number;
  readonly ambientCelsius: number;
  /** Where the temperature settles under full load. */
  readonly fullLoadCelsius: number;
  readonly timeConstantSeconds: number;
  readonly throttleCelsius: number;
  /** Half-width of the uniform jitter on power, so curves do not look drawn with a ruler. */
  readonly noiseWatts: number;
}

export const DEFAULT_SIMULATED_PROFILE: SimulatedProfile = {
  idleWatts: 4,
  maxWatts: 25,
  ambientCelsius: 35,
  fullLoadCelsius: 88,
  timeConstantSeconds: 60,
  throttleCelsius: 80,
  noiseWatts: 0.3,
};

export interface SimulatedOptions {
  readonly seed: number;
  readonly clock?: Clock;
  /** The device's load right now, 0..1 (values outside are clamped); the simulator's workload drives it. */
  readonly load: () => number;
  readonly profile?: Partial<SimulatedProfile>;
}

/**
 * Simulated hardware for the fleet simulator: power follows load at once, temperature lags it as
 * a first-order system (exponential approach to a load-dependent target), and the device reports
 * throttling above a threshold. Deterministic for a given seed and sequence of clock readings.
 */
export function simulatedSensor(options: SimulatedOptions): Sensor {
  const profile = { ...DEFAULT_SIMULATED_PROFILE, ...options.profile };
  const random = seededRandom(options.seed);
  const clock = options.clock ?? systemClock;
  let celsius = profile.ambientCelsius;
  let last = clock.now();
  return {
    type: "simulated",
    async read(): Promise<Reading> {
      const now = clock.now();
      const seconds = Math.max(0, (now - last) / 1000);
      last = now;
      const load = Math.min(1, Math.max(0, options.load()));
      const target = profile.ambientCelsius + load * (profile.fullLoadCelsius - profile.ambientCelsius);
      celsius = target + (celsius - target) * Math.exp(-seconds / profile.timeConstantSeconds);
      const jitter = (random() * 2 - 1) * profile.noiseWatts;
      const watts = Math.max(0, profile.idleWatts + load * (profile.maxWatts - profile.idleWatts) + jitter);
      return {
        samples: [
          sample("thermal_zone_temperature_celsius", celsius, { zone: "soc", id: "simulated" }),
          sample("rail_power_watts", watts, { rail: "total" }),
          sample("cpu_utilization_ratio", load, { cpu: "all" }),
          sample("throttled", celsius >= profile.throttleCelsius ? 1 : 0, { component: "soc" }),
        ],
        errors: [],
      };
    },
  };
}
