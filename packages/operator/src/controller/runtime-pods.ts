import { LABELS, MANAGER } from "@edgefleet/api";
import type { KubeObject } from "@edgefleet/kube";
import type { V1Pod } from "@kubernetes/client-node";
import type { StuckPod } from "../planner/conditions.js";
import { crashLoopProblem, podStartProblem } from "./pod-start.js";

/*
 * Runtime pods that cannot start (an image the node cannot pull, no room on the node, an init
 * container that keeps failing) never count as ready, so the DaemonSet's numbers alone leave a
 * model "rolling out" forever. The operator watches only the runtime pods still Pending: a pod
 * that starts leaves that cache (the watch says DELETED), so it holds a handful of pods however
 * large the fleet. A container crashing after it started (Running) is found through the
 * kubelet's BackOff Events instead (backoff-events.ts).
 */

/**
 * The pods of the operator's DaemonSets: the models' runtime pods (a track label is on no other pod
 * of ours) and the shared servers' (serving: Shared), whose problems are their models' as well.
 */
export const RUNTIME_POD_SELECTOR = `${LABELS.managedBy}=${MANAGER}`;
export const PENDING = "status.phase=Pending";

/** Whether a change to a pending pod changes what status says of it: only then is its model queued. */
export function startChanged(before: V1Pod, after: V1Pod): boolean {
  return JSON.stringify(podStartProblem(before)) !== JSON.stringify(podStartProblem(after));
}

/**
 * The model's runtime pods that cannot start or keep crashing (crashLoopProblem: a pending pod
 * from the cache has no running state, so only podStartProblem's reasons apply to it), in name
 * order; pods being deleted left out.
 */
export function stuckPods(pods: readonly (V1Pod & KubeObject)[]): StuckPod[] {
  const stuck: StuckPod[] = [];
  for (const pod of pods) {
    const problem = pod.metadata.deletionTimestamp ? undefined : crashLoopProblem(pod);
    if (!problem) continue;
    stuck.push({
      hardwareClass: pod.metadata.labels?.[LABELS.hardwareClass] ?? "",
      namespace: pod.metadata.namespace ?? "",
      pod: pod.metadata.name ?? "",
      problem,
    });
  }
  return stuck.sort((a, b) => (a.pod < b.pod ? -1 : a.pod > b.pod ? 1 : 0));
}
