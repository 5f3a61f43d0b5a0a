import type { Condition } from "../api/common.js";
import type { EdgeModel, EdgeModelStatus } from "../api/edgemodel.js";
import { conditionsFor, type StatusInput } from "../planner/conditions.js";
import type { EventNote } from "./events.js";

/** The status a reconcile writes: conditions and placements for the generation it planned. */
export function modelStatus(model: EdgeModel, input: StatusInput): EdgeModelStatus {
  const { conditions, placements } = conditionsFor(input);
  const ready = conditions.find((c) => c.type === "Ready")?.status === "True";
  const currentVersion = ready ? model.spec.version : model.status?.currentVersion;
  return { observedGeneration: input.generation, ...(currentVersion ? { currentVersion } : {}), conditions, placements };
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

function transitionTime(model: EdgeModel, next: Condition, status: Condition["status"]): string {
  const before = model.status?.conditions?.find((c) => c.type === next.type);
  return before?.status === status ? before.lastTransitionTime : next.lastTransitionTime;
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
    if (c?.status === "True" && (was(type)?.status !== "True" || was(type)?.reason !== c.reason)) {
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
