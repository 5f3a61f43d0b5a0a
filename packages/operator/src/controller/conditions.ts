import type { Condition } from "@edgefleet/api";
import { kubeTime } from "@edgefleet/kube";

/**
 * A condition as a status write states it, keeping the previous one's lastTransitionTime while its
 * status stays (metav1.Condition: the time is when the status last changed, not when it was written).
 */
export function nextCondition(
  previous: readonly Condition[] | undefined,
  generation: number,
  now: Date,
  type: string,
  status: Condition["status"],
  reason: string,
  message: string,
): Condition {
  const before = previous?.find((c) => c.type === type);
  return {
    type,
    status,
    reason,
    message,
    lastTransitionTime: before?.status === status ? before.lastTransitionTime : kubeTime(now),
    observedGeneration: generation,
  };
}
