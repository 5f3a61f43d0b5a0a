import type { Condition, EdgeModel, EdgeModelStatus } from "@edgefleet/api";
import type { StatusInput } from "../planner/conditions.js";
import { NO_PLAN } from "../planner/plan.js";
import { TRUST_REFUSED_REASON } from "../planner/trust.js";
import { modelStatus, stalledStatus } from "./status.js";

/** Thrown inside a reconcile for a model no ModelTrustPolicy admits; the message names the policy and the field. */
export class UntrustedModel extends Error {
  override readonly name = "UntrustedModel";
}

/**
 * The status of a model no ModelTrustPolicy admits: Stalled (and not Ready) with the refusal until
 * the model or a policy changes; nothing is placed, so nothing progresses and no class is degraded.
 * The Stalled transition records the Warning Event.
 */
export function untrustedStatus(model: EdgeModel, input: Omit<StatusInput, "plan" | "workloads">, message: string): EdgeModelStatus {
  const unplaced = modelStatus(model, { ...input, plan: NO_PLAN, workloads: [] });
  const status = stalledStatus(model, unplaced, TRUST_REFUSED_REASON, message);
  const quiet = (c: Condition): Condition =>
    c.type === "Progressing" || c.type === "Degraded" ? { ...c, status: "False", reason: TRUST_REFUSED_REASON, message: "" } : c;
  return { ...status, conditions: (status.conditions ?? []).map(quiet), placements: [] };
}
