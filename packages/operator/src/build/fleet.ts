import type { BuildFleetStatus, Condition, EdgeModel, EdgeModelBuild, EdgeModelBuildStatus } from "@edgefleet/api";
import { measuredClasses, sourceAccuracy } from "@edgefleet/api";
import { nextCondition } from "../controller/conditions.js";
import type { EventNote } from "../controller/events.js";
import { ROLLOUT_OUTCOMES, type RolloutOutcome } from "../observe/metrics.js";

/** The condition saying how the published version fares on the devices. */
export const ROLLED_OUT = "RolledOut";

/** What the build reads of the EdgeModel it published into: its spec's version, its rollout and placements. */
export type PublishedModel = Pick<EdgeModel, "metadata" | "spec" | "status">;

/** The rollout of the published version as the EdgeModel reports it, with each class's measurements; previous classes kept until an analysis measures some. */
function fleetOf(
  version: string,
  model: PublishedModel,
  status: EdgeModelBuildStatus,
  previous: BuildFleetStatus | undefined,
): BuildFleetStatus | undefined {
  const rollout = model.status?.rollout;
  if (!rollout || rollout.targetVersion !== version) return undefined;
  const analysis = rollout.lastAnalysis;
  const measured = measuredClasses(model, sourceAccuracy(status.targets ?? []));
  const classes = measured.length ? measured : previous?.classes;
  const analysedAt = measured.length ? analysis?.time : previous?.analysedAt;
  return {
    version,
    phase: rollout.phase,
    step: rollout.step,
    percent: rollout.percent,
    reason: rollout.reason.slice(0, 4096),
    ...(analysedAt ? { analysedAt } : {}),
    ...(classes?.length ? { classes } : {}),
  };
}

/** RolledOut from the rollout's phase: True once promoted, False once rolled back, held or superseded, Unknown while it goes. */
function rolledOut(
  fleet: BuildFleetStatus | undefined,
  superseded: string | undefined,
  version: string,
): [Condition["status"], string, string] {
  if (superseded) return ["False", "Superseded", superseded];
  if (!fleet) return ["Unknown", "RolloutPending", `waiting for the EdgeModel's rollout of ${version} to start`];
  switch (fleet.phase) {
    case "Promoted":
      return ["True", "Promoted", fleet.reason];
    case "RolledBack":
      return ["False", "RolledBack", fleet.reason];
    case "Failed":
      return ["False", "RolloutHeld", fleet.reason];
    default:
      return ["Unknown", "RollingOut", fleet.reason];
  }
}

/**
 * The status of a published build with its version's life on the devices, pure: status.fleet from
 * the EdgeModel's rollout while that rollout is of the published version, and RolledOut. Once the
 * EdgeModel moves on to another version, what was last seen stays and RolledOut says so when the
 * rollout had not ended. Unpublished builds (and a cache without the EdgeModel) are left as they are.
 */
export function withFleet(
  build: EdgeModelBuild,
  status: EdgeModelBuildStatus,
  model: PublishedModel | undefined,
  now: Date,
): EdgeModelBuildStatus {
  const published = status.published;
  const done = status.conditions?.some((c) => c.type === "Published" && c.status === "True");
  if (!published || !done || !model) return status;
  const { version } = published;
  // What an earlier reconcile recorded of this version (none for a version published since).
  const previous = status.fleet?.version === version ? status.fleet : undefined;
  const current = fleetOf(version, model, status, previous);
  const kept = current ?? previous;
  const target = model.status?.rollout?.targetVersion;
  // Seen rolling out, now another version's rollout: it ended without being promoted, unless it was.
  const superseded =
    !current && kept && target !== undefined && !["Promoted", "RolledBack"].includes(kept.phase)
      ? `EdgeModel ${build.metadata.namespace}/${published.edgeModel} moved on to version ${target} before the rollout of ${version} ended (last seen: ${kept.phase} at step ${kept.step})`
      : undefined;
  const [condStatus, reason, message] = rolledOut(kept, superseded, version);
  const condition = nextCondition(build.status?.conditions, build.metadata.generation ?? 0, now, ROLLED_OUT, condStatus, reason, message);
  const { fleet: _previous, ...rest } = status;
  return {
    ...rest,
    ...(kept ? { fleet: kept } : {}),
    conditions: [...(status.conditions ?? []).filter((c) => c.type !== ROLLED_OUT), condition],
  };
}

/** The outcome RolledOut newly reached (promoted, rolled back, held, superseded) with its Event; none while undecided or unchanged. */
export function rolloutOutcome(
  before: EdgeModelBuildStatus | undefined,
  after: EdgeModelBuildStatus,
): { outcome: RolloutOutcome; event: EventNote } | undefined {
  const find = (s: EdgeModelBuildStatus | undefined) => s?.conditions?.find((c) => c.type === ROLLED_OUT);
  const was = find(before);
  const now = find(after);
  const outcome = ROLLOUT_OUTCOMES.find((o) => o === now?.reason);
  if (!now || !outcome || (was?.status === now.status && was.reason === now.reason)) return undefined;
  return {
    outcome,
    event: { type: now.status === "True" ? "Normal" : "Warning", reason: now.reason, note: now.message },
  };
}
