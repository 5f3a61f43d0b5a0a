import type { Clock, Logger } from "@edgefleet/kit";
import {
  collectionPath,
  defaultRateLimiter,
  type InformerMetrics,
  isNotFound,
  type KubeClient,
  KubeError,
  managedBy,
  objectPath,
  RateLimitedQueue,
  type Resource,
  type WorkQueueMetrics,
} from "@edgefleet/kube";
import type { Tracer } from "@opentelemetry/api";
import type { EventRecorder } from "./events.js";

/** What main gives each of the operator's controllers alike (EdgeModels, builds, federated training). */
export interface ControllerBasics {
  client: KubeClient;
  /** Reconcile objects of this namespace only; all namespaces when unset. */
  namespace?: string;
  /** Concurrent reconciles. */
  workers: number;
  fieldManager: string;
  events: EventRecorder;
  log: Logger;
  tracer: Tracer;
  clock?: Clock;
  /** Watch timeout, and stall detection with it (see Informer). */
  watchTimeoutSeconds?: number;
}

/** A controller's key queue: de-duplicating, per-key exponential backoff, its depth and latency recorded. */
export function controllerQueue(clock: Clock, metrics: WorkQueueMetrics): RateLimitedQueue {
  return new RateLimitedQueue({ clock, rateLimiter: defaultRateLimiter({ clock }), metrics });
}

/** What every informer of a controller shares (add resource, transform, handlers and, where it applies, namespace). */
export function informerBasics(o: ControllerBasics, clock: Clock, metrics: InformerMetrics) {
  return {
    client: o.client,
    log: o.log,
    metrics,
    clock,
    ...(o.watchTimeoutSeconds ? { watchTimeoutSeconds: o.watchTimeoutSeconds } : {}),
  };
}

/**
 * Creates a child unless one of its name exists (409: made by an earlier reconcile the cache has
 * not shown yet, or kept on purpose); resolves to whether this call created it.
 */
export async function createChild(
  client: KubeClient,
  resource: Resource,
  namespace: string,
  body: object,
  fieldManager: string,
): Promise<boolean> {
  try {
    await client.request({ method: "POST", path: managedBy(collectionPath(resource, namespace), fieldManager), body });
    return true;
  } catch (err) {
    if (err instanceof KubeError && err.status === 409) return false;
    throw err;
  }
}

/**
 * Deletes a child the controller read from its cache, and its pods through the garbage collector
 * (Background). The uid precondition keeps a stale cache from deleting a newer object of the same
 * name; one already gone is no error.
 */
export async function deleteChild(
  client: KubeClient,
  resource: Resource,
  { name = "", namespace = "", uid }: { name?: string; namespace?: string; uid?: string },
): Promise<void> {
  try {
    await client.request({
      method: "DELETE",
      path: objectPath(resource, name, namespace),
      body: { propagationPolicy: "Background", ...(uid ? { preconditions: { uid } } : {}) },
    });
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
}
