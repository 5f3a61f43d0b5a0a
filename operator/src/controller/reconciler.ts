import type { V1DaemonSet } from "@kubernetes/client-node";
import type { EdgeModel, EdgeModelStatus } from "../api/edgemodel.js";
import type { EdgeRuntime } from "../api/edgeruntime.js";
import { CONTENT_TYPES, type KubeClient } from "../kube/client.js";
import { isNotFound, isTransient, KubeError } from "../kube/errors.js";
import type { Informer } from "../kube/informer.js";
import { objectPath, RESOURCES } from "../kube/objects.js";
import { desiredDaemonSets } from "../planner/daemonset.js";
import { plan } from "../planner/plan.js";
import type { Children } from "./children.js";
import type { EventRecorder } from "./events.js";
import type { CachedDaemonSet, CachedNode } from "./slim.js";
import { stableJson } from "./stable-json.js";
import { modelStatus, stalledStatus, transitions } from "./status.js";

/** Held on every EdgeModel until its children are gone, so deletion never leaves workloads behind. */
export const FINALIZER = "edgefleet.io/cleanup";

export interface Caches {
  models: Informer<EdgeModel>;
  runtimes: Informer<EdgeRuntime>;
  nodes: Informer<CachedNode>;
  daemonSets: Informer<CachedDaemonSet>;
}

/** What a reconcile did, for metrics and traces; transient failures are thrown instead. */
export type Outcome = "absent" | "deleted" | "synced" | "unchanged" | "stalled";

export interface ReconcilerOptions {
  client: KubeClient;
  caches: Caches;
  children: Children;
  events: EventRecorder;
  now?: () => Date;
}

/** The DaemonSet cache's index: the owning model's key. */
export function ownerIndex(ds: V1DaemonSet): string | undefined {
  const model = ds.metadata?.labels?.["edgefleet.io/model"];
  return model && ds.metadata?.namespace ? `${ds.metadata.namespace}/${model}` : undefined;
}

/**
 * Brings one EdgeModel's children and status in line with the model, the runtimes and the fleet
 * as the caches hold them now (level-based: which event queued the key does not matter).
 */
export class Reconciler {
  readonly #o: Required<ReconcilerOptions>;

  constructor(options: ReconcilerOptions) {
    this.#o = { now: () => new Date(), ...options };
  }

  async reconcile(key: string): Promise<Outcome> {
    const model = this.#o.caches.models.get(key);
    if (!model) return "absent";
    try {
      return await this.#reconcile(key, model);
    } catch (err) {
      // The model (or its namespace) went away after the cache last saw it: its deletion event follows.
      if (isNotFound(err)) return "absent";
      throw err;
    }
  }

  async #reconcile(key: string, model: EdgeModel): Promise<Outcome> {
    if (model.metadata.deletionTimestamp) return this.#finalize(model);
    if (!model.metadata.finalizers?.includes(FINALIZER))
      await this.#setFinalizers(model, [...(model.metadata.finalizers ?? []), FINALIZER]);

    const { caches, children } = this.#o;
    const placement = plan({ model, runtimes: caches.runtimes.list(), nodes: caches.nodes.list() });
    const generation = model.metadata.generation ?? 0;
    const desired = desiredDaemonSets(model, placement);
    const desiredNames = new Set(desired.map((ds) => ds.metadata?.name));
    const stale = caches.daemonSets.byIndex(key).filter((ds) => !desiredNames.has(ds.metadata?.name));
    const statusInput = { plan: placement, generation, previous: model.status?.conditions ?? [], now: this.#o.now() };
    try {
      const workloads = await children.apply(desired, (k) => caches.daemonSets.get(k));
      await children.delete(stale);
      for (const ds of stale) {
        this.#o.events.record(model, { type: "Normal", reason: "WorkloadRemoved", note: `deleted DaemonSet ${ds.metadata?.name}` });
      }
      return this.#writeStatus(model, modelStatus(model, { ...statusInput, workloads }));
    } catch (err) {
      if (isTransient(err) || isNotFound(err)) throw err;
      const status = stalledStatus(model, modelStatus(model, { ...statusInput, workloads: [] }), reasonOf(err), String(err));
      await this.#writeStatus(model, status);
      return "stalled";
    }
  }

  /** Deletes the children the API server still lists, then lets the model go. */
  async #finalize(model: EdgeModel): Promise<Outcome> {
    if (!model.metadata.finalizers?.includes(FINALIZER)) return "absent";
    const { namespace = "", name = "" } = model.metadata;
    await this.#o.children.delete(await this.#o.children.live(namespace, name));
    await this.#setFinalizers(
      model,
      model.metadata.finalizers.filter((f) => f !== FINALIZER),
    );
    return "deleted";
  }

  /** The whole list with the resource version read, so a concurrent change to finalizers fails (409) and is retried. */
  async #setFinalizers(model: EdgeModel, finalizers: string[]): Promise<void> {
    const { name = "", namespace = "", resourceVersion } = model.metadata;
    await this.#o.client.request({
      method: "PATCH",
      path: objectPath(RESOURCES.edgeModels, name, namespace),
      body: { metadata: { finalizers, resourceVersion } },
      contentType: CONTENT_TYPES.merge,
    });
  }

  /** The reconcile's single status write, skipped when nothing changed; Events for what did. */
  async #writeStatus(model: EdgeModel, status: EdgeModelStatus): Promise<Outcome> {
    if (stableJson(status) === stableJson(model.status ?? {})) return "unchanged";
    const { name = "", namespace = "" } = model.metadata;
    await this.#o.client.request({
      method: "PATCH",
      path: `${objectPath(RESOURCES.edgeModels, name, namespace)}/status`,
      body: { status },
      contentType: CONTENT_TYPES.merge,
    });
    for (const note of transitions(model.status, status)) this.#o.events.record(model, note);
    return status.conditions?.some((c) => c.type === "Stalled" && c.status === "True") ? "stalled" : "synced";
  }
}

function reasonOf(err: unknown): string {
  return err instanceof KubeError && err.status === 422 ? "WorkloadInvalid" : "WorkloadRejected";
}
