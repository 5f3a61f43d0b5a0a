import type { Condition, EdgeModel, EdgeModelStatus, RolloutStatus } from "@edgefleet/api";
import { kubeTime } from "@edgefleet/kube";
import { conditionsFor, type StatusInput } from "../planner/conditions.js";
import { ACTIVE_PHASES } from "../rollout/decide.js";
import type { EventNote } from "./events.js";

/** Where the rollout stands, for status. */
export interface RolloutSummary {
  rollout: RolloutStatus;
  stableVersion: string;
}

/** Condition reasons the rollout sets; the rollout engine records their Events itself. */
const ROLLOUT_REASONS = new Set(["RolledBack", "AnalysisInconclusive"]);

/**
 * Degraded reasons that get no Event. CapacityFallback leaves the model Ready on a less preferred
 * choice (status says which, edgefleet_placement_cpu_fallback and its alert report a CPU fallback),
 * and a fleet's first placement would post one Warning per model that falls back: thousands of
 * writes. A later move of a running class is a Replanned Event all the same.
 */
const SILENT_REASONS = new Set(["CapacityFallback"]);

/**
 * The status a reconcile writes: conditions and placements for the generation it planned, and the
 * rollout (kept as it was when the reconcile could not get that far).
 */
export function modelStatus(model: EdgeModel, input: StatusInput, summary?: RolloutSummary): EdgeModelStatus {
  const { conditions, placements } = conditionsFor(input);
  const ready = conditions.find((c) => c.type === "Ready")?.status === "True";
  const rollout = summary?.rollout ?? model.status?.rollout;
  const stableVersion = summary?.stableVersion ?? model.status?.stableVersion;
  const currentVersion = ready && stableVersion ? stableVersion : model.status?.currentVersion;
  const inRollout = !!rollout && ACTIVE_PHASES.has(rollout.phase) && rollout.targetRevision !== rollout.stableRevision;
  return {
    observedGeneration: input.generation,
    ...(currentVersion ? { currentVersion } : {}),
    ...(stableVersion ? { stableVersion } : {}),
    ...(inRollout ? { canaryVersion: rollout.targetVersion } : {}),
    ...(rollout ? { rollout } : {}),
    conditions: rollout ? rolloutConditions(model, conditions, rollout, inRollout, input.now) : conditions,
    placements,
  };
}

/**
 * Conditions with the rollout's say: Progressing while a rollout runs, Stalled while it is held
 * for inconclusive analyses, Degraded once the spec's revision was rolled back.
 */
function rolloutConditions(model: EdgeModel, conditions: Condition[], r: RolloutStatus, inRollout: boolean, now: Date): Condition[] {
  const changedAt = kubeTime(now);
  const set =
    (type: string, status: Condition["status"], reason: string) =>
    (c: Condition): Condition =>
      c.type === type ? { ...c, status, reason, message: r.reason, lastTransitionTime: transitionTime(model, c, status, changedAt) } : c;
  let out = conditions;
  if (r.phase === "Failed") {
    out = out.map(set("Stalled", "True", "AnalysisInconclusive")).map(set("Progressing", "False", "RolloutHeld"));
  } else if (inRollout) {
    out = out.map(set("Progressing", "True", r.phase === "Paused" ? "RolloutPaused" : "RolloutInProgress"));
  }
  const degraded = out.find((c) => c.type === "Degraded");
  if (r.phase === "RolledBack" && r.targetRevision !== r.stableRevision && degraded?.status === "False") {
    out = out.map(set("Degraded", "True", "RolledBack"));
  }
  return out;
}

/**
 * A status for a model the API server refuses the children of (e.g. a runtime whose resources
 * are invalid): Stalled until the model, its runtimes or the fleet change, since retrying the
 * same request would only fail again.
 */
export function stalledStatus(model: EdgeModel, status: EdgeModelStatus, reason: string, message: string): EdgeModelStatus {
  const conditions = (status.conditions ?? []).map((c): Condition => {
    if (c.type === "Stalled") return { ...c, status: "True", reason, message, lastTransitionTime: transitionTime(model, c, "True") };
    if (c.type === "Ready") return { ...c, status: "False", reason, message, lastTransitionTime: transitionTime(model, c, "False") };
    return c;
  });
  return { ...status, conditions };
}

/** When a condition moving to status last changed: kept from the stored one when it already had it. */
function transitionTime(model: EdgeModel, next: Condition, status: Condition["status"], changedAt = next.lastTransitionTime): string {
  const before = model.status?.conditions?.find((c) => c.type === next.type);
  return before?.status === status ? before.lastTransitionTime : next.status === status ? next.lastTransitionTime : changedAt;
}

/** Notable changes between the status in the cluster and the one about to be written, as Events. */
export function transitions(before: EdgeModelStatus | undefined, after: EdgeModelStatus): EventNote[] {
  const was = (type: string) => before?.conditions?.find((c) => c.type === type);
  const is = (type: string) => after.conditions?.find((c) => c.type === type);
  const notes: EventNote[] = [];
  const ready = is("Ready");
  if (ready?.status === "True" && was("Ready")?.status !== "True") notes.push({ type: "Normal", reason: "Ready", note: ready.message });
  for (const type of ["Degraded", "Stalled"]) {
    const c = is(type);
    const quiet = !c || ROLLOUT_REASONS.has(c.reason) || SILENT_REASONS.has(c.reason);
    if (c?.status === "True" && !quiet && (was(type)?.status !== "True" || was(type)?.reason !== c.reason)) {
      notes.push({ type: "Warning", reason: c.reason, note: c.message });
    }
  }
  for (const p of after.placements ?? []) {
    const old = before?.placements?.find((q) => q.hardwareClass === p.hardwareClass);
    if (old?.variant && p.variant && (old.variant !== p.variant || old.runtime !== p.runtime)) {
      notes.push({
        type: "Normal",
        reason: "Replanned",
        note: `${p.hardwareClass}: ${old.variant} on ${old.runtime} -> ${p.variant} on ${p.runtime} (${p.accelerator})`,
      });
    }
  }
  return notes;
}
