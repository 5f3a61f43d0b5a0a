import type { KubeObject } from "@edgefleet/kube";
import type { CoreV1Event } from "@kubernetes/client-node";
import { defined } from "./slim.js";

/*
 * A runtime container that crashes after it started (a model file its runtime cannot load, a
 * runtime killed for memory) leaves its pod Running, so the Pending pods' cache never sees it, and
 * no field selector picks pods by readiness. What does name it is the kubelet's Warning Event
 * "BackOff" (back-off restarting failed container) on the pod: the operator watches those Events
 * only (a field selector), as many as pods crash-loop in the cluster, and reads the named pods of
 * its own DaemonSets live when their model reconciles.
 */

/** The kubelet's back-off Events on pods: restarting a failed container, or pulling an image. */
export const BACK_OFF_EVENTS = "involvedObject.kind=Pod,reason=BackOff";

/** How long after its last sighting a back-off Event still says a pod may be crash-looping. */
export const BACK_OFF_RECENT_MS = 10 * 60_000;

/** Pods of one DaemonSet read live per reconcile, at most: the status names the first few anyway. */
export const BACK_OFF_PODS_READ = 3;

/** What the cache keeps of a back-off Event: identity, the pod it is about, and when it was last seen. */
export type CachedBackOff = KubeObject & { pod: string; lastSeenMs: number };

export function slimBackOff(raw: KubeObject): CachedBackOff {
  const e = raw as CoreV1Event & KubeObject;
  const { name, namespace, uid, resourceVersion } = e.metadata;
  // Legacy events (the kubelet's recorder) count with lastTimestamp; events.k8s.io ones with a series.
  const last = e.series?.lastObservedTime ?? e.lastTimestamp ?? e.eventTime ?? e.firstTimestamp ?? e.metadata.creationTimestamp;
  return {
    metadata: defined({ name, namespace, uid, resourceVersion }),
    pod: e.involvedObject?.name ?? "",
    lastSeenMs: last ? new Date(last).getTime() : 0,
  };
}

/** The index of back-off Events: namespace/DaemonSet of the pod (a DaemonSet's pods are its name and 5 characters). */
export function backOffOwner(e: CachedBackOff): string | undefined {
  const daemonSet = /^(.+)-[a-z0-9]{5}$/.exec(e.pod)?.[1];
  return daemonSet && e.metadata.namespace ? `${e.metadata.namespace}/${daemonSet}` : undefined;
}

/** The pods the Events name that backed off within BACK_OFF_RECENT_MS of now, in name order, at most BACK_OFF_PODS_READ. */
export function recentBackOffPods(events: readonly CachedBackOff[], nowMs: number): string[] {
  const pods = new Set(events.filter((e) => nowMs - e.lastSeenMs < BACK_OFF_RECENT_MS).map((e) => e.pod));
  return [...pods].sort().slice(0, BACK_OFF_PODS_READ);
}
