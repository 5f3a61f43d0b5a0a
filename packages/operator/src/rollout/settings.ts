import type { EdgeModelSpec } from "@edgefleet/api";

/** spec.rollout with every default filled in: what the engine works with. */
export interface RolloutSettings {
  steps: number[];
  pauseSeconds: number;
  windowSeconds: number;
  minSamples: number;
  maxFailures: number;
  maxInconclusive: number;
  latencyTolerance: number;
  maxErrorRatio: number;
  paused: boolean;
}

export const DEFAULT_SETTINGS: RolloutSettings = {
  steps: [1, 10, 100],
  pauseSeconds: 60,
  windowSeconds: 60,
  minSamples: 50,
  maxFailures: 2,
  maxInconclusive: 3,
  latencyTolerance: 0.2,
  maxErrorRatio: 0.01,
  paused: false,
};

export function rolloutSettings(spec: EdgeModelSpec): RolloutSettings {
  const r = spec.rollout ?? {};
  const a = r.analysis ?? {};
  const d = DEFAULT_SETTINGS;
  return {
    steps: r.steps?.length ? r.steps : d.steps,
    pauseSeconds: r.pauseSeconds ?? d.pauseSeconds,
    windowSeconds: a.windowSeconds ?? d.windowSeconds,
    minSamples: a.minSamples ?? d.minSamples,
    maxFailures: a.maxFailures ?? d.maxFailures,
    maxInconclusive: a.maxInconclusive ?? d.maxInconclusive,
    latencyTolerance: a.latencyTolerance ?? d.latencyTolerance,
    maxErrorRatio: a.maxErrorRatio ?? d.maxErrorRatio,
    paused: r.paused ?? false,
  };
}
