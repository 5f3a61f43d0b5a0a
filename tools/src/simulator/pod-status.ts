import { MAX_SUMMARY_BYTES } from "@edgefleet/api";
import { CONTENT_TYPES, type KubeClient, kubeTime } from "@edgefleet/kube";
import type { V1Pod } from "@kubernetes/client-node";

/**
 * What a kubelet writes to the status of a pod whose container runs as a process of this machine
 * (a model build, a federated coordinator): kwok runs no containers, so the simulator writes
 * what the kubelet would, and the operator reads it as it reads a real node's.
 */

/** Pod status as JSON (times as strings), merged into what the API server has. */
export async function patchPodStatus(client: KubeClient, pod: V1Pod, status: Record<string, unknown>): Promise<void> {
  await client.request({
    method: "PATCH",
    path: `/api/v1/namespaces/${pod.metadata?.namespace}/pods/${pod.metadata?.name}/status`,
    body: { status },
    contentType: CONTENT_TYPES.merge,
  });
}

export interface ContainerEnd {
  exitCode: number;
  /** The termination message (cut to what a kubelet keeps, MAX_SUMMARY_BYTES). */
  message: string;
  startedAt: string;
}

/** The status a kubelet writes when a pod's only container exited and the pod does not restart it. */
export function terminatedStatus(pod: V1Pod, container: { name: string; image?: string }, end: ContainerEnd): Record<string, unknown> {
  const now = kubeTime(new Date());
  const notReady = (type: string) => ({ type, status: "False", reason: "PodCompleted", lastTransitionTime: now });
  return {
    phase: end.exitCode === 0 ? "Succeeded" : "Failed",
    conditions: [
      ...(pod.status?.conditions ?? []).filter((c) => c.type !== "Ready" && c.type !== "ContainersReady"),
      notReady("Ready"),
      notReady("ContainersReady"),
    ],
    containerStatuses: [
      {
        name: container.name,
        image: container.image ?? "",
        imageID: "",
        ready: false,
        restartCount: 0,
        started: false,
        state: {
          terminated: {
            exitCode: end.exitCode,
            reason: end.exitCode === 0 ? "Completed" : "Error",
            message: end.message.slice(0, MAX_SUMMARY_BYTES),
            startedAt: end.startedAt,
            finishedAt: now,
          },
        },
      },
    ],
  };
}
