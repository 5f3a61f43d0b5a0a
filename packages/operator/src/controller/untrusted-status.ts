import type { Condition, EdgeModel, EdgeModelStatus } from "@edgefleet/api";
import { TRUST_REFUSED_REASON } from "../planner/trust.js";
import { stalledStatus } from "./status.js";

/**
 * The status of a model no ModelTrustPolicy admits: Stalled (and not Ready) with the refusal, which
 * names the policy and the field to fix, until the model or a policy changes; nothing is placed, so
 * nothing progresses and no class is degraded. The Stalled transition records the Warning Event.
 */
export function untrustedStatus(model: EdgeModel, unplaced: EdgeModelStatus, message: string): EdgeModelStatus {
  const status = stalledStatus(model, unplaced, TRUST_REFUSED_REASON, message);
  const quiet = (c: Condition): Condition =>
    c.type === "Progressing" || c.type === "Degraded" ? { ...c, status: "False", reason: TRUST_REFUSED_REASON, message: "" } : c;
  return { ...status, conditions: (status.conditions ?? []).map(quiet), placements: [] };
}
