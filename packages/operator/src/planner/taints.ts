import type { Toleration } from "@edgefleet/api";
import type { V1Taint } from "@kubernetes/client-node";

/**
 * Taints the DaemonSet controller tolerates on its pods by itself (pkg/controller/daemon/util's
 * AddOrUpdateDaemonPodTolerations): node conditions, not a platform team's policy, so a node
 * carrying one still counts for placement.
 */
const DAEMONSET_TOLERATED = new Set([
  "node.kubernetes.io/not-ready",
  "node.kubernetes.io/unreachable",
  "node.kubernetes.io/disk-pressure",
  "node.kubernetes.io/memory-pressure",
  "node.kubernetes.io/pid-pressure",
  "node.kubernetes.io/unschedulable",
]);

/** Whether one toleration matches one taint, as the scheduler's TolerationsTolerateTaint does. */
function matches(toleration: Toleration, taint: V1Taint): boolean {
  if (toleration.effect && toleration.effect !== taint.effect) return false;
  if (toleration.key && toleration.key !== taint.key) return false;
  if (toleration.operator === "Exists") return true;
  return (toleration.value ?? "") === (taint.value ?? "");
}

/**
 * The node's taints that keep the model's pods off it: NoSchedule and NoExecute ones none of the
 * tolerations match (PreferNoSchedule only steers the scheduler, and the DaemonSet controller
 * tolerates node conditions by itself). Empty: the node can run the pods.
 */
export function untoleratedTaints(taints: readonly V1Taint[], tolerations: readonly Toleration[]): V1Taint[] {
  return taints.filter(
    (t) =>
      (t.effect === "NoSchedule" || t.effect === "NoExecute") &&
      !DAEMONSET_TOLERATED.has(t.key) &&
      !tolerations.some((tol) => matches(tol, t)),
  );
}
