import type { Resource } from "@edgefleet/kube";

/** Labels and annotations of the rollout engine. */
export const ROLLOUT_LABELS = {
  /** On DaemonSets and their pods: stable (the last good version) or canary (the version being rolled out). */
  track: "edgefleet.io/track",
  /** On ControllerRevisions: the EdgeModel whose version and variants they snapshot. */
  revisionOf: "edgefleet.io/revision-of",
} as const;

/** On EdgeModels: a one-shot manual action (promote, abort, resume); the operator removes it once acted on. */
export const ACTION_ANNOTATION = "edgefleet.io/rollout-action";
export const ACTIONS = ["promote", "abort", "resume"] as const;
export type RolloutAction = (typeof ACTIONS)[number];

export type Track = "stable" | "canary";

/** The analysis check that fails a class whose canary nodes refused the new version's artifact. */
export const ARTIFACT_CHECK = "artifact-refusals";
/**
 * Failed checks that roll back at once, past analysis.maxFailures: a refused artifact does not
 * get better by waiting, and its nodes never serve the version to be measured.
 */
export const DECISIVE_CHECKS: ReadonlySet<string> = new Set([ARTIFACT_CHECK]);

export const CONTROLLER_REVISIONS: Resource = {
  name: "controllerrevisions",
  group: "apps",
  version: "v1",
  plural: "controllerrevisions",
  namespaced: true,
};

/** The action the annotation asks for; an unknown value is reported, never guessed at. */
export function parseAction(value: string | undefined): { action?: RolloutAction; invalid?: string } {
  if (value === undefined) return {};
  const v = value.trim();
  return (ACTIONS as readonly string[]).includes(v) ? { action: v as RolloutAction } : { invalid: value };
}
