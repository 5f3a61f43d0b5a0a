import type { EdgeModel, EdgeModelStatus, EdgeRuntime, ModelTrustPolicy, RolloutDecision } from "@edgefleet/api";
import { LABELS, MANAGER } from "@edgefleet/api";
import { type Clock, systemClock } from "@edgefleet/kit";
import type { Informer, KubeObject } from "@edgefleet/kube";
import {
  CONTENT_TYPES,
  isNotFound,
  isTransient,
  type KubeClient,
  KubeError,
  managedBy,
  objectKey,
  objectPath,
  RESOURCES,
  splitKey,
} from "@edgefleet/kube";
import type { V1ControllerRevision, V1ObjectMeta, V1Pod } from "@kubernetes/client-node";
import type { CapacityLedger } from "../planner/capacity-ledger.js";
import type { WorkloadObservation } from "../planner/conditions.js";
import { NO_PLAN, type Plan, plan } from "../planner/plan.js";
import { judgeTrust, signaturesOf } from "../planner/trust.js";
import type { RolloutEngine } from "../rollout/engine.js";
import { type CachedRevision, type Revision, revisionOfSpec, revisionOfWorkload } from "../rollout/revisions.js";
import { ACTION_ANNOTATION, ACTIONS, CONTROLLER_REVISIONS, parseAction } from "../rollout/vocabulary.js";
import { type CachedBackOff, recentBackOffPods } from "./backoff-events.js";
import type { Children } from "./children.js";
import type { EventNote, EventRecorder } from "./events.js";
import { patchStatus } from "./merge-patch.js";
import { stuckPods } from "./runtime-pods.js";
import { isServerQueueKey, ownServerKey, type SharedServers, serverDaemonSetKey, serverKeyOf } from "./shared-servers.js";
import type { CachedDaemonSet, CachedNode } from "./slim.js";
import { stableJson } from "./stable-json.js";
import { modelStatus, stalledStatus, transitions } from "./status.js";
import { UntrustedModel, untrustedStatus } from "./untrusted-status.js";
import { CACHE_LAG_RETRY_MS, OwnWrites } from "./write-lag.js";

/**
 * How soon to look again at a model with pods the kubelet backs off from restarting: back-off
 * Events are not written again for every restart, and the pods are read live, not watched.
 */
const BACK_OFF_RECHECK_MS = 60_000;

/**
 * The finalizer earlier operators held on every EdgeModel until they had deleted its children.
 * The children's owner references already have the garbage collector delete them, and a finalizer
 * cost a write per model and left deletions hanging while no operator ran (after an uninstall, say):
 * this operator only removes it from models that still carry it.
 */
export const LEGACY_FINALIZER = "edgefleet.io/cleanup";

export interface Caches {
  models: Informer<EdgeModel>;
  runtimes: Informer<EdgeRuntime>;
  nodes: Informer<CachedNode>;
  daemonSets: Informer<CachedDaemonSet>;
  revisions: Informer<CachedRevision>;
  trustPolicies: Informer<ModelTrustPolicy>;
  /** The runtime pods still Pending (runtime-pods.ts), indexed by model. */
  pendingPods: Informer<V1Pod & KubeObject>;
  /** The kubelet's BackOff Events on pods (backoff-events.ts), indexed by namespace/DaemonSet. */
  backOffs: Informer<CachedBackOff>;
}

/** What a reconcile did, for metrics and traces; transient failures are thrown instead. */
export type Outcome = "absent" | "deleted" | "synced" | "unchanged" | "stalled";

export interface ReconcileResult {
  outcome: Outcome;
  /** Reconcile again after this long even if nothing changes: a rollout's pause or next analysis. */
  requeueAfterMs?: number;
}

export interface ReconcilerOptions {
  client: KubeClient;
  caches: Caches;
  children: Children;
  /** The servers of runtimes with serving: Shared that the models' pods load into. */
  servers: SharedServers;
  events: EventRecorder;
  rollouts: RolloutEngine;
  fieldManager: string;
  /** Called when a model is gone, to drop its metrics. */
  forget?: (namespace: string, name: string) => void;
  /** Called with each reconcile's placement plan, for the placement metrics. */
  planned?: (namespace: string, name: string, plan: Plan) => void;
  /** Who gets the fleet's accelerators and memory, in model order; settled at the start of each reconcile. */
  ledger: CapacityLedger;
  /** Called after each settle of the ledger: changed are the models another model's change moved, to queue. */
  settled?: (result: { changed: readonly string[]; replanned: number }) => void;
  /** Its wall clock is the reconcile's now: condition transitions and rollout step times. */
  clock?: Clock;
}

/** The DaemonSet and pending runtime pod caches' index: the owning model's key, from the model label. */
export function ownerIndex(child: { metadata?: V1ObjectMeta }): string | undefined {
  const model = child.metadata?.labels?.[LABELS.model];
  return model && child.metadata?.namespace ? `${child.metadata.namespace}/${model}` : undefined;
}

/**
 * Brings one EdgeModel's children and status in line with the model, the runtimes and the fleet
 * as the caches hold them now (level-based: which event queued the key does not matter).
 */
export class Reconciler {
  readonly #o: Required<ReconcilerOptions>;
  /**
   * Model key → our last write to it, until the cache has caught up with it: acting on an older
   * cached status would repeat a rollout's last decision (advance a step twice, count a decision
   * twice), so the reconcile waits for the cache (write-lag.ts).
   */
  readonly #ownWrites: OwnWrites;

  constructor(options: ReconcilerOptions) {
    this.#o = { clock: systemClock, forget: () => {}, planned: () => {}, settled: () => {}, ...options };
    this.#ownWrites = new OwnWrites(this.#o.clock);
  }

  async reconcile(key: string): Promise<ReconcileResult> {
    if (isServerQueueKey(key)) return { outcome: await this.#o.servers.reconcile(key) };
    // First, so a deleted model's freed accelerators go to the next models in line.
    this.#o.settled(await this.#o.ledger.settle(key));
    const model = this.#o.caches.models.get(key);
    if (!model) {
      const { namespace, name } = splitKey(key);
      this.#o.forget(namespace, name);
      this.#ownWrites.forget(key);
      return { outcome: "absent" };
    }
    if (this.#ownWrites.behind(key, model.metadata.resourceVersion)) return { outcome: "unchanged", requeueAfterMs: CACHE_LAG_RETRY_MS };
    try {
      return await this.#reconcile(key, model);
    } catch (err) {
      // The model (or its namespace) went away after the cache last saw it: its deletion event follows.
      if (isNotFound(err)) return { outcome: "absent" };
      throw err;
    }
  }

  async #reconcile(key: string, model: EdgeModel): Promise<ReconcileResult> {
    if (model.metadata.finalizers?.includes(LEGACY_FINALIZER))
      await this.#ownWrites.track(key, model.metadata.resourceVersion, () => this.#dropLegacyFinalizer(model));
    // Its children go with it through their owner references.
    if (model.metadata.deletionTimestamp) return { outcome: "deleted" };

    const { caches, children } = this.#o;
    const generation = model.metadata.generation ?? 0;
    const now = new Date(this.#o.clock.wallMs());
    const annotation = model.metadata.annotations?.[ACTION_ANNOTATION];
    const { action, invalid } = parseAction(annotation);
    const cached = caches.daemonSets.byIndex(key);
    const revisions = caches.revisions.byIndex(key);
    const { capacity, plan: targetPlan } = await this.#o.ledger.placementFor(key, model);
    const stableFromWorkloads = await this.#stableFromWorkloads(model, revisions);
    // A shared server's pods that cannot start hold back every model loading into it: their problems are the model's too.
    const servers = [...new Set(cached.map(serverKeyOf).filter((k) => k !== undefined))];
    const pending = [key, ...servers].flatMap((k) => caches.pendingPods.byIndex(k));
    const serverSets = servers.map((k) => caches.daemonSets.get(serverDaemonSetKey(k))).filter((ds) => ds !== undefined);
    const backingOff = await this.#backingOff(key, [...cached, ...serverSets], new Set(pending.map((p) => p.metadata.name ?? "")));
    const statusInput = { generation, previous: model.status?.conditions ?? [], now, stuck: stuckPods([...pending, ...backingOff.pods]) };
    let status: EdgeModelStatus;
    let events: EventNote[] = [];
    let decisions: RolloutDecision[] = [];
    let requeueAfterMs: number | undefined = backingOff.recheck ? BACK_OFF_RECHECK_MS : undefined;
    const trust = judgeTrust(model, caches.trustPolicies.list());
    try {
      if (trust.enforced && !trust.allowed) throw new UntrustedModel(trust.message);
      const run = await this.#o.rollouts.run({
        model,
        runtimes: caches.runtimes.list(),
        nodes: caches.nodes.list(),
        capacity,
        ...(targetPlan ? { targetPlan } : {}),
        revisions,
        ...(stableFromWorkloads ? { stableFromWorkloads } : {}),
        daemonSets: cached,
        ...(trust.enforced ? { trust: signaturesOf(trust) } : {}),
        action,
        apply: (desired) => children.apply(desired, (k) => caches.daemonSets.get(k)),
        now,
      });
      await this.#o.servers.ensure(model, run.plan);
      await this.#applyRevisions(run.revisions, revisions);
      const desiredNames = new Set(run.daemonSets.map((ds) => ds.metadata?.name));
      const stale = cached.filter((ds) => !desiredNames.has(ds.metadata?.name));
      await children.delete(stale);
      for (const ds of stale) {
        this.#o.events.record(model, { type: "Normal", reason: "WorkloadRemoved", note: `deleted DaemonSet ${ds.metadata?.name}` });
      }
      this.#o.planned(model.metadata.namespace ?? "", model.metadata.name ?? "", run.plan);
      status = modelStatus(model, { ...statusInput, plan: run.plan, workloads: byClass(run.workloads) }, run);
      events = run.events;
      decisions = run.decisions;
      requeueAfterMs = earliest(run.requeueAfterMs, requeueAfterMs);
    } catch (err) {
      // Checked first: isTransient takes any error that is not the API server's for a transient one.
      if (err instanceof UntrustedModel) status = await this.#untrusted(model, cached, untrustedStatus(model, statusInput, err.message));
      else if (isTransient(err) || isNotFound(err)) throw err;
      else {
        const placement = plan({ model, runtimes: caches.runtimes.list(), nodes: caches.nodes.list(), capacity });
        this.#o.planned(model.metadata.namespace ?? "", model.metadata.name ?? "", placement);
        status = stalledStatus(model, modelStatus(model, { ...statusInput, plan: placement, workloads: [] }), reasonOf(err), String(err));
      }
    }
    if (invalid !== undefined) {
      events.push({
        type: "Warning",
        reason: "RolloutActionInvalid",
        note: `${ACTION_ANNOTATION}: "${invalid}" is not an action: use ${ACTIONS.join(", ")}`,
      });
    }
    const outcome = await this.#writeStatus(key, model, status, events);
    if (outcome !== "unchanged") this.#o.rollouts.recorded(model, decisions);
    // Cleared only once the status recording the action is written: a crash in between repeats
    // the action, and every action is idempotent.
    if (annotation !== undefined) await this.#ownWrites.track(key, model.metadata.resourceVersion, () => this.#clearAction(model));
    return { outcome, ...(requeueAfterMs !== undefined ? { requeueAfterMs } : {}) };
  }

  /**
   * The model's runtime pods, not in the Pending cache, that the kubelet recently backed off from restarting,
   * read live: only in DaemonSets with pods not ready, at most a few each (backoff-events.ts).
   * recheck: some were named, so the model is looked at again while that lasts.
   */
  async #backingOff(
    key: string,
    cached: readonly CachedDaemonSet[],
    pending: ReadonlySet<string>,
  ): Promise<{ pods: (V1Pod & KubeObject)[]; recheck: boolean }> {
    const pods: (V1Pod & KubeObject)[] = [];
    let recheck = false;
    for (const ds of cached) {
      const { numberReady = 0, desiredNumberScheduled = 0 } = ds.status ?? {};
      if (numberReady >= desiredNumberScheduled) continue;
      const names = recentBackOffPods(this.#o.caches.backOffs.byIndex(objectKey(ds)), this.#o.clock.wallMs()).filter(
        (n) => !pending.has(n),
      );
      recheck ||= names.length > 0;
      for (const name of names) {
        const pod = await this.#o.client
          .request<V1Pod & KubeObject>({ method: "GET", path: objectPath(RESOURCES.pods, name, ds.metadata.namespace) })
          .catch((err: unknown) => {
            if (isNotFound(err)) return undefined;
            throw err;
          });
        // The Event named the pod by name only: it must be this model's or its server's, of our DaemonSets.
        const ours = ownServerKey(ds) ? ownServerKey(pod ?? {}) === ownServerKey(ds) : ownerIndex(pod ?? {}) === key;
        if (pod && ours && pod.metadata.labels?.[LABELS.managedBy] === MANAGER) pods.push(pod);
      }
    }
    return { pods, recheck };
  }

  /** A model no trust policy admits runs nowhere: what runs now was admitted by no policy, or by one since changed. */
  async #untrusted(model: EdgeModel, cached: readonly CachedDaemonSet[], status: EdgeModelStatus): Promise<EdgeModelStatus> {
    await this.#o.children.delete(cached);
    for (const ds of cached) {
      this.#o.events.record(model, { type: "Normal", reason: "WorkloadRemoved", note: `deleted DaemonSet ${ds.metadata?.name}` });
    }
    this.#o.planned(model.metadata.namespace ?? "", model.metadata.name ?? "", NO_PLAN);
    return status;
  }

  /** Creates the revisions the cache does not hold (their content never changes) and deletes the others. */
  async #applyRevisions(desired: readonly V1ControllerRevision[], cached: readonly CachedRevision[]): Promise<void> {
    const { client, fieldManager } = this.#o;
    const have = new Set(cached.map((cr) => cr.metadata.name));
    const want = new Set(desired.map((cr) => cr.metadata?.name));
    await Promise.all([
      ...desired.filter((cr) => !have.has(cr.metadata?.name)).map((cr) => client.apply(CONTROLLER_REVISIONS, cr, fieldManager)),
      ...cached
        .filter((cr) => !want.has(cr.metadata.name))
        .map((cr) =>
          client
            .request({
              method: "DELETE",
              path: objectPath(CONTROLLER_REVISIONS, cr.metadata.name ?? "", cr.metadata.namespace),
              body: { preconditions: { uid: cr.metadata.uid } },
            })
            .catch((err: unknown) => {
              if (!isNotFound(err)) throw err;
            }),
        ),
    ]);
  }

  async #clearAction(model: EdgeModel): Promise<EdgeModel | undefined> {
    const { name = "", namespace = "" } = model.metadata;
    return this.#o.client.request<EdgeModel>({
      method: "PATCH",
      path: managedBy(objectPath(RESOURCES.edgeModels, name, namespace), this.#o.fieldManager),
      body: { metadata: { annotations: { [ACTION_ANNOTATION]: null } } },
      contentType: CONTENT_TYPES.merge,
    });
  }

  /**
   * Sends the whole list with the resource version read, so a concurrent change to finalizers
   * fails (409) and is retried. The model's new resourceVersion comes back through the cache.
   */
  async #dropLegacyFinalizer(model: EdgeModel): Promise<EdgeModel | undefined> {
    const { name = "", namespace = "", resourceVersion, finalizers = [] } = model.metadata;
    return this.#o.client.request<EdgeModel>({
      method: "PATCH",
      path: managedBy(objectPath(RESOURCES.edgeModels, name, namespace), this.#o.fieldManager),
      body: { metadata: { finalizers: finalizers.filter((f) => f !== LEGACY_FINALIZER), resourceVersion } },
      contentType: CONTENT_TYPES.merge,
    });
  }

  /**
   * The stable revision read back from the model's workloads, when status names one that differs
   * from the spec's and no ControllerRevision holds it: a model's first rollout. Read from the API
   * server, as the cache keeps no snapshots; this happens once per rollout.
   */
  async #stableFromWorkloads(model: EdgeModel, cached: readonly CachedRevision[]): Promise<Revision | undefined> {
    const stable = model.status?.rollout?.stableRevision;
    if (!stable || stable === revisionOfSpec(model).name || cached.some((cr) => cr.metadata.name === stable)) return undefined;
    const { namespace = "", name = "" } = model.metadata;
    for (const ds of await this.#o.children.live(namespace, name)) {
      const revision = revisionOfWorkload(name, ds);
      if (revision?.name === stable) return revision;
    }
    return undefined;
  }

  /** The reconcile's single status write, skipped when nothing changed; then Events for what did. */
  async #writeStatus(key: string, model: EdgeModel, status: EdgeModelStatus, events: readonly EventNote[]): Promise<Outcome> {
    const unchanged = stableJson(status) === stableJson(model.status ?? {});
    if (!unchanged) {
      await this.#ownWrites.track(key, model.metadata.resourceVersion, () =>
        patchStatus(this.#o.client, RESOURCES.edgeModels, model, status, this.#o.fieldManager),
      );
    }
    for (const note of [...transitions(model.status, status), ...events]) this.#o.events.record(model, note);
    if (unchanged) return "unchanged";
    return status.conditions?.some((c) => c.type === "Stalled" && c.status === "True") ? "stalled" : "synced";
  }
}

/** One observation per class: a class mid-rollout has a stable and a canary workload. */
function byClass(workloads: readonly WorkloadObservation[]): WorkloadObservation[] {
  const merged = new Map<string, WorkloadObservation>();
  for (const w of workloads) {
    const m = merged.get(w.hardwareClass);
    merged.set(
      w.hardwareClass,
      m
        ? {
            hardwareClass: w.hardwareClass,
            rolledOut: m.rolledOut && w.rolledOut,
            desired: m.desired + w.desired,
            ready: m.ready + w.ready,
          }
        : w,
    );
  }
  return [...merged.values()];
}

function reasonOf(err: unknown): string {
  return err instanceof KubeError && err.status === 422 ? "WorkloadInvalid" : "WorkloadRejected";
}

/** The sooner of two requeue delays, either of which may be absent. */
function earliest(a: number | undefined, b: number | undefined): number | undefined {
  return a === undefined ? b : b === undefined ? a : Math.min(a, b);
}
