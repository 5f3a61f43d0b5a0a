import { type EdgeModel, type MeasuredBuild, PUBLISHABLE_TARGETS, publicationProblem, unpublishedReason } from "@edgefleet/api";
import type { BuildResult, TargetResult } from "./result.js";

/*
 * A build result as @edgefleet/api's publication functions take it: the pure rules (variant order,
 * profiles, the new version) live there, shared with the operator's EdgeModelBuild controller.
 */

export interface Publishable {
  /** The written builds to publish, best first; the variant is named as its target. */
  targets: TargetResult[];
  /** Written builds left out, each with why. */
  skipped: string[];
}

/** The written builds of a result that become variants, in variant order, and the ones no runtime would serve. */
export function publishable(result: BuildResult): Publishable {
  const written = result.targets.filter((t) => t.verdict === "written");
  const skipped = written.flatMap((t) => unpublishedReason(t.target) ?? []);
  const targets = PUBLISHABLE_TARGETS.flatMap((target) => written.filter((t) => t.target === target));
  return { targets, skipped };
}

/** Refuses, before anything is pushed, a publication that cannot make a new version. */
export function checkPublication(model: EdgeModel, version: string, p: Publishable, field = "--version"): void {
  const problem = publicationProblem(model, version, p.targets.length, field);
  if (problem) throw new Error(problem);
}

/** What the build measured of a target, as a variant's profile takes it. */
export function measured(t: TargetResult): MeasuredBuild {
  return {
    target: t.target,
    accuracyPercent: t.accuracyPercent,
    accuracyDropPoints: t.accuracyDropPoints,
    p95LatencySeconds: t.latencyMs.p95 / 1000,
    evaluationSamples: t.evaluationSamples,
  };
}
