import type { Logger } from "@edgefleet/kit";
import { type AssignmentRejection, parseAssignments } from "@edgefleet/telemetry";
import type { InferenceTarget } from "../inference/target.js";

export interface AssignmentsOptions {
  readonly log: Logger;
  /** Receives the node's targets from every valid message. */
  readonly update: (targets: InferenceTarget[]) => void;
  /** Counts a message refused; the previous targets stay. */
  readonly rejected: (reason: AssignmentRejection) => void;
}

/**
 * Handles the messages on this node's retained assignments topic, which the operator publishes
 * and the broker's ACL lets this node read but not write: each valid one replaces the probed
 * targets (an empty one clears them); a message that is oversized, not JSON or off the schema is
 * counted, logged and otherwise ignored, keeping the previous targets.
 */
export function assignmentsHandler({ log, update, rejected }: AssignmentsOptions): (body: Uint8Array) => void {
  return (body) => {
    const result = parseAssignments(body);
    if (!result.ok) {
      rejected(result.code);
      log.warn("assignments refused; keeping the previous targets", { code: result.code, reason: result.reason });
      return;
    }
    log.info("assignments", { runtimes: result.payload.runtimes.length });
    update(result.payload.runtimes);
  };
}
