import type { KubeObject } from "@edgefleet/kube";
import type { V1ContainerStateTerminated, V1ContainerStatus, V1Pod } from "@kubernetes/client-node";
import { defined } from "./slim.js";

/** Reasons of an image that cannot be pulled. */
const IMAGE_PULL_REASONS: ReadonlySet<string> = new Set(["ErrImagePull", "ImagePullBackOff", "InvalidImageName", "ErrImageNeverPull"]);

/**
 * Waiting reasons a kubelet reports for a container that will not start until something changes
 * (the image, a Secret or ConfigMap it names, its command): waiting longer does not help.
 */
const STUCK: ReadonlySet<string> = new Set([
  ...IMAGE_PULL_REASONS,
  "CreateContainerConfigError",
  "CreateContainerError",
  "RunContainerError",
  "CrashLoopBackOff",
]);

/**
 * What has to change for a pod to start: an image its nodes can pull, room on a node, or a
 * container (its command, the Secrets and ConfigMaps it names, what it runs).
 */
export type StartCause = "image" | "unschedulable" | "container";

/** Why a pod cannot start, as the scheduler or its kubelet says it: the reason and message, and the container when one is stuck. */
export interface PodStartProblem {
  reason: string;
  message: string;
  cause: StartCause;
  container?: string;
}

/**
 * Why a pod that has not run yet cannot start, or undefined: the scheduler found no node for it
 * (PodScheduled False, Unschedulable), or a container of it is stuck waiting (an image that cannot
 * be pulled, a Secret that is missing). Pure; reads only what slimPodStart keeps.
 */
export function podStartProblem(pod: V1Pod): PodStartProblem | undefined {
  const scheduled = pod.status?.conditions?.find((c) => c.type === "PodScheduled");
  if (scheduled?.status === "False" && scheduled.reason === "Unschedulable")
    return { reason: "Unschedulable", message: scheduled.message ?? "no node fits it", cause: "unschedulable" };
  const statuses: V1ContainerStatus[] = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])];
  for (const c of statuses) {
    const waiting = c.state?.waiting;
    if (waiting?.reason && STUCK.has(waiting.reason))
      return {
        reason: waiting.reason,
        message: `container ${c.name}${waiting.message ? `: ${waiting.message}` : ""}${lastFailure(c)}`,
        cause: IMAGE_PULL_REASONS.has(waiting.reason) ? "image" : "container",
        container: c.name,
      };
  }
  return undefined;
}

/** How a container's last run ended, when it failed: "; last exit code 1 (Error)". */
function lastFailure(c: V1ContainerStatus): string {
  const t = c.lastState?.terminated;
  return t && t.exitCode !== 0 ? `; last exit code ${t.exitCode}${t.reason ? ` (${t.reason})` : ""}` : "";
}

/**
 * Why a pod that the kubelet backs off from restarting (a BackOff Event named it) is not serving:
 * podStartProblem's reasons, or a container that runs again between two back-offs but is not
 * ready and whose last run failed: between back-offs a crash-looping container runs until it exits again.
 */
export function crashLoopProblem(pod: V1Pod): PodStartProblem | undefined {
  const problem = podStartProblem(pod);
  if (problem) return problem;
  for (const c of pod.status?.containerStatuses ?? []) {
    if (c.state?.running && !c.ready && c.restartCount > 0 && lastFailure(c))
      return {
        reason: "CrashLoopBackOff",
        message: `container ${c.name} restarted ${c.restartCount} time(s)${lastFailure(c)}`,
        cause: "container",
        container: c.name,
      };
  }
  return undefined;
}

/** Where to look for why a container of a pod cannot start: its last run's log when it ran, else the pod's events. */
export function containerFix(namespace: string, pod: string, problem: PodStartProblem): string {
  return problem.reason === "CrashLoopBackOff" || problem.reason === "RunContainerError"
    ? `see its log: kubectl logs -n ${namespace} ${pod} -c ${problem.container} --previous`
    : `see kubectl describe pod -n ${namespace} ${pod}`;
}

/**
 * The first of pods (in the order given) that cannot start or keeps crashing (crashLoopProblem), in words, with what to change: fixes.image
 * for an image that cannot be pulled, fixes.unschedulable for a pod no node fits, containerFix for a
 * container that cannot start; undefined when all can.
 */
export function notStartingMessage(
  pods: readonly (V1Pod & KubeObject)[],
  fixes: { image: string; unschedulable: string },
): string | undefined {
  for (const pod of pods) {
    const problem = crashLoopProblem(pod);
    if (!problem) continue;
    const { name = "", namespace = "" } = pod.metadata;
    const fix =
      problem.cause === "image"
        ? fixes.image
        : problem.cause === "unschedulable"
          ? fixes.unschedulable
          : containerFix(namespace, name, problem);
    return `pod ${name} cannot start: ${problem.reason}: ${problem.message}: ${fix}`;
  }
  return undefined;
}

/** Of a termination message: enough to say why, within a condition's message. */
const MAX_TERMINATION_MESSAGE = 400;

/**
 * How a pod that ran to its end failed, in words, or undefined: its first container that exited
 * non-zero, with the code, the reason and the message it left (its termination message, or the
 * kubelet's last log lines with FallbackToLogsOnError): "container x exited with code 1 (Error): ...".
 */
export function failedExit(pod: V1Pod): string | undefined {
  for (const c of pod.status?.containerStatuses ?? []) {
    const t = c.state?.terminated;
    if (!t || t.exitCode === 0) continue;
    const said = t.message?.trim();
    return `container ${c.name} exited with code ${t.exitCode}${t.reason ? ` (${t.reason})` : ""}${said ? `: ${said}` : ""}`;
  }
  return undefined;
}

/** A terminated state as a cache keeps it: exit code, reason, the start of the message. */
function slimTermination(t: V1ContainerStateTerminated): V1ContainerStateTerminated {
  const message = t.message && t.message.length > MAX_TERMINATION_MESSAGE ? `${t.message.slice(0, MAX_TERMINATION_MESSAGE)}…` : t.message;
  return { exitCode: t.exitCode, ...(t.reason ? { reason: t.reason } : {}), ...(message ? { message } : {}) };
}

/** What a cache keeps of a pod for crashLoopProblem and failedExit: identity, labels, phase, scheduling, containers' states and last exits. */
export function slimPodStart(raw: KubeObject): V1Pod & KubeObject {
  const pod = raw as V1Pod & KubeObject;
  const { name, namespace, uid, resourceVersion, labels, deletionTimestamp } = pod.metadata;
  const waiting = (list: V1ContainerStatus[] | undefined) =>
    list?.map((c) => ({
      name: c.name,
      image: c.image,
      imageID: c.imageID,
      ready: c.ready,
      restartCount: c.restartCount,
      state: c.state?.waiting
        ? { waiting: c.state.waiting }
        : c.state?.running
          ? { running: {} }
          : c.state?.terminated
            ? { terminated: slimTermination(c.state.terminated) }
            : {},
      // How the last run ended: the exit code a crash-looping container's message gives.
      ...(c.lastState?.terminated
        ? { lastState: { terminated: { exitCode: c.lastState.terminated.exitCode, reason: c.lastState.terminated.reason } } }
        : {}),
    }));
  const scheduled = pod.status?.conditions?.filter((c) => c.type === "PodScheduled");
  return {
    metadata: defined({ name, namespace, uid, resourceVersion, labels, deletionTimestamp }),
    ...(pod.status
      ? {
          status: {
            ...(pod.status.phase ? { phase: pod.status.phase } : {}),
            ...(scheduled?.length ? { conditions: scheduled } : {}),
            ...(pod.status.initContainerStatuses ? { initContainerStatuses: waiting(pod.status.initContainerStatuses) } : {}),
            ...(pod.status.containerStatuses ? { containerStatuses: waiting(pod.status.containerStatuses) } : {}),
          },
        }
      : {}),
  } as V1Pod & KubeObject;
}
