import type { EdgeModel } from "./edgemodel.js";
import type { BuildFleetClass } from "./edgemodelbuild.js";

/** A build's measured targets: the source's accuracy is each one's accuracy plus its drop. */
export function sourceAccuracy(targets: readonly { accuracyPercent: number; accuracyDropPoints: number }[]): number | undefined {
  const t = targets[0];
  return t ? t.accuracyPercent + t.accuracyDropPoints : undefined;
}

/**
 * What each hardware class's devices measured of the version an EdgeModel rolls out, in its
 * rollout's latest analysis (status.rollout.lastAnalysis.measured), with the variant and runtime
 * the class runs (status.placements) and, given the source model's accuracy as a build measured
 * it, how far the devices' accuracy is below it: an EdgeModelBuild's status.fleet classes, and what
 * tools/edgefleet model publish --wait prints.
 */
export function measuredClasses(model: Pick<EdgeModel, "status">, source: number | undefined): BuildFleetClass[] {
  const placed = new Map((model.status?.placements ?? []).map((p) => [p.hardwareClass, p]));
  return (model.status?.rollout?.lastAnalysis?.measured ?? []).map((m): BuildFleetClass => {
    const p = placed.get(m.hardwareClass);
    return {
      ...m,
      ...(p?.variant ? { variant: p.variant } : {}),
      ...(p?.runtime ? { runtime: p.runtime } : {}),
      ...(m.accuracyPercent !== undefined && source !== undefined
        ? { accuracyDropPoints: Math.max(-100, Math.min(100, source - m.accuracyPercent)) }
        : {}),
    };
  });
}
