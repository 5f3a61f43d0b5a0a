import type { EdgeRuntime, ModelTrustPolicy } from "@edgefleet/api";
import { type EdgeModel, LABELS, MANAGER } from "@edgefleet/api";
import { systemClock } from "@edgefleet/kit";
import { Informer, type InformerHandlers, type KubeObject, objectKey, RESOURCES } from "@edgefleet/kube";
import type { V1DaemonSet, V1Node, V1ObjectMeta, V1Pod } from "@kubernetes/client-node";
import type { ControllerRecorders } from "../observe/metrics.js";
import type { Verifier } from "../planner/artifact-volume.js";
import { CapacityLedger } from "../planner/capacity-ledger.js";
import { cpuFallback } from "../planner/plan.js";
import { refusedByTrust } from "../planner/trust.js";
import { RolloutEngine } from "../rollout/engine.js";
import type { MetricsSource } from "../rollout/metrics-source.js";
import { type CachedRevision, revisionOwner, slimRevision } from "../rollout/revisions.js";
import { CONTROLLER_REVISIONS, ROLLOUT_LABELS } from "../rollout/vocabulary.js";
import { BACK_OFF_EVENTS, backOffOwner, type CachedBackOff, slimBackOff } from "./backoff-events.js";
import { type ControllerBasics, controllerQueue, informerBasics } from "./basics.js";
import { Children } from "./children.js";
import { ControllerLoop } from "./loop.js";
import { podStartProblem, slimPodStart } from "./pod-start.js";
import { type Caches, ownerIndex, Reconciler } from "./reconciler.js";
import { PENDING, RUNTIME_POD_SELECTOR, startChanged } from "./runtime-pods.js";
import { ownServerKey, SharedServers, serverKeyOf } from "./shared-servers.js";
import { type CachedDaemonSet, type CachedNode, slimDaemonSet, slimModel, slimNode, slimRuntime, slimTrustPolicy } from "./slim.js";
import { modelChanged, nodeChanged, rolloutChanged, selects } from "./triggers.js";

export const CONTROLLER_NAME = "edgemodel";

export interface ControllerOptions extends ControllerBasics {
  /** Label selector of the ModelTrustPolicies to enforce; all of them when unset. */
  trustPolicySelector?: string;
  /** From operatorMetrics, whose inProgress reads this controller's inProgress(). */
  metrics: ControllerRecorders;
  /** Where rollout analysis reads metrics; without one, rollout steps advance on their pause alone. */
  metricsSource?: MetricsSource;
  /** Time between two analyses of a rollout step (default 10 s). */
  analysisIntervalMs?: number;
  /** How every runtime pod's verify-artifact init container runs (default DEFAULT_VERIFIER). */
  verifier?: Verifier;
}

/**
 * The EdgeModel controller: informers on EdgeModels, EdgeRuntimes, Nodes, the DaemonSets it owns,
 * their pods still pending and the kubelet's back-off Events on pods feed a de-duplicating,
 * rate-limited queue of model keys, drained by a pool of workers.
 * Informers run from construction on (a standby's caches are warm when it takes over); workers
 * run only while leading.
 */
export class EdgeModelController {
  readonly caches: Caches;
  readonly #o: ControllerOptions;
  readonly #reconciler: Reconciler;
  readonly #servers: SharedServers;
  readonly #ledger: CapacityLedger;
  /** Its queue, workers and caches' health, which main reads for probes and metrics. */
  readonly loop: ControllerLoop;

  constructor(options: ControllerOptions) {
    this.#o = options;
    const clock = options.clock ?? systemClock;
    const { client, namespace, metrics } = options;
    const shared = informerBasics(options, clock, metrics.informers);
    const inNamespace = namespace ? { namespace } : {};
    this.caches = {
      models: new Informer<EdgeModel>({
        ...shared,
        ...inNamespace,
        resource: RESOURCES.edgeModels,
        transform: slimModel,
        handlers: this.#onModel(),
      }),
      runtimes: new Informer<EdgeRuntime>({
        ...shared,
        resource: RESOURCES.edgeRuntimes,
        transform: slimRuntime,
        handlers: this.#onRuntime(),
      }),
      nodes: new Informer<CachedNode>({ ...shared, resource: RESOURCES.nodes, transform: slimNode, handlers: this.#onNode() }),
      daemonSets: new Informer<CachedDaemonSet>({
        ...shared,
        ...inNamespace,
        resource: RESOURCES.daemonSets,
        labelSelector: `${LABELS.managedBy}=${MANAGER}`,
        transform: slimDaemonSet,
        // A model's DaemonSets by its key, and by the server they load into (a server's queue key,
        // which no model key equals): SharedServers.users reads them.
        index: (ds) => [ownerIndex(ds), ownerIndex(ds) && serverKeyOf(ds)],
        handlers: this.#onDaemonSet(),
      }),
      revisions: new Informer<CachedRevision>({
        ...shared,
        ...inNamespace,
        resource: CONTROLLER_REVISIONS,
        labelSelector: ROLLOUT_LABELS.revisionOf,
        transform: slimRevision,
        index: revisionOwner,
        // Revisions are written by reconciles and read by them; only someone deleting one is news.
        handlers: { deleted: (cr) => this.#addOwner(revisionOwner(cr)) },
      }),
      pendingPods: new Informer<V1Pod & KubeObject>({
        ...shared,
        ...inNamespace,
        resource: RESOURCES.pods,
        labelSelector: RUNTIME_POD_SELECTOR,
        fieldSelector: PENDING,
        transform: slimPodStart,
        // A model's pods by its key, a shared server's by the server's queue key.
        index: (pod) => ownerIndex(pod) ?? ownServerKey(pod),
        handlers: this.#onPendingPod(),
      }),
      backOffs: new Informer<CachedBackOff>({
        ...shared,
        ...inNamespace,
        resource: RESOURCES.coreEvents,
        fieldSelector: BACK_OFF_EVENTS,
        transform: slimBackOff,
        index: backOffOwner,
        handlers: this.#onBackOff(),
      }),
      // Every model is judged against every policy (planner/trust.ts): any change replans and requeues them all.
      trustPolicies: new Informer<ModelTrustPolicy>({
        ...shared,
        resource: RESOURCES.modelTrustPolicies,
        ...(options.trustPolicySelector ? { labelSelector: options.trustPolicySelector } : {}),
        transform: slimTrustPolicy,
        handlers: {
          added: () => this.#replanAll(),
          updated: (before, after) => {
            if (before.metadata.generation !== after.metadata.generation) this.#replanAll();
          },
          deleted: () => this.#replanAll(),
        },
      }),
    };
    const caches = this.caches;
    // A model no trust policy admits runs nowhere, so it takes no accelerator from the others.
    const admitted = (m: EdgeModel) => !refusedByTrust(m, caches.trustPolicies.list());
    this.#ledger = new CapacityLedger(
      {
        model: (key) => {
          const m = caches.models.get(key);
          return m && admitted(m) ? m : undefined;
        },
        models: () => caches.models.list().filter(admitted),
        runtimes: () => caches.runtimes.list(),
        nodes: () => caches.nodes.list(),
      },
      options.tracer,
    );
    const children = new Children({ client, fieldManager: options.fieldManager });
    const rollouts = new RolloutEngine({
      source: options.metricsSource,
      intervalMs: options.analysisIntervalMs ?? 10_000,
      metrics: metrics.rollouts,
      clock,
      ...(options.verifier === undefined ? {} : { verifier: options.verifier }),
      tracer: options.tracer,
    });
    this.#servers = new SharedServers({
      client,
      fieldManager: options.fieldManager,
      models: this.caches.models,
      nodes: this.caches.nodes,
      daemonSets: this.caches.daemonSets,
      requeue: (key) => this.#add(key),
      log: options.log,
    });
    this.#reconciler = new Reconciler({
      client,
      caches: this.caches,
      children,
      servers: this.#servers,
      events: options.events,
      rollouts,
      fieldManager: options.fieldManager,
      ledger: this.#ledger,
      settled: ({ changed, replanned }) => {
        for (const key of changed) this.#add(key);
        if (replanned) metrics.placement.capacityReplans(replanned);
      },
      forget: (namespace, name) => {
        metrics.rollouts.forget(namespace, name);
        metrics.placement.forget(namespace, name);
      },
      planned: (namespace, name, { classes }) =>
        metrics.placement.placed(namespace, name, new Map(classes.map((c) => [c.hardwareClass, cpuFallback(c)]))),
      clock,
    });
    this.#children = children;
    this.loop = new ControllerLoop({
      queue: controllerQueue(clock, metrics.workQueue),
      informers: Object.values(this.caches),
      workers: options.workers,
      worker: {
        controller: CONTROLLER_NAME,
        metrics: metrics.controller,
        tracer: options.tracer,
        clock,
        log: options.log,
        reconcile: async (key, span) => {
          const started = clock.now();
          const { outcome, requeueAfterMs } = await this.#reconciler.reconcile(key);
          span.setAttribute("edgefleet.outcome", outcome);
          metrics.outcomes(outcome);
          // Inside the span: the line carries the reconcile's trace_id.
          options.log.debug("reconciled", {
            key,
            outcome,
            seconds: (clock.now() - started) / 1000,
            ...(requeueAfterMs !== undefined ? { requeueAfterMs } : {}),
          });
          return { requeueAfterMs };
        },
      },
    });
    for (const informer of Object.values(this.caches)) informer.start();
  }

  readonly #children: Children;

  /** Waits for every cache, queues every model once (the events before were not acted on), and starts the workers. */
  async lead(): Promise<void> {
    await this.loop.lead(() => {
      this.#ledger.touchAll();
      this.#enqueueAll();
    });
    this.#o.log.info("controller started", { workers: this.#o.workers, models: this.caches.models.size });
  }

  /** Lets in-flight reconciles finish, drops the keys still queued, then stops the informers. */
  stop(): Promise<void> {
    return this.loop.stop();
  }

  #add(key: string): void {
    this.loop.add(key);
  }

  #addOwner(key: string | undefined): void {
    if (key) this.#add(key);
  }

  /** A model whose plan may change: the capacity ledger replans it (and the models after it that this affects), and it is queued. */
  #touch(key: string): void {
    this.#ledger.touch(key);
    this.#add(key);
  }

  #replanAll(): void {
    this.#ledger.touchAll();
    this.#enqueueAll();
  }

  #enqueueAll(): void {
    for (const model of this.caches.models.list()) this.#add(objectKey(model));
  }

  #onModel(): InformerHandlers<EdgeModel> {
    return {
      added: (m) => this.#touch(objectKey(m)),
      updated: (before, after) => {
        if (modelChanged(before, after)) this.#touch(objectKey(after));
      },
      deleted: (m) => {
        this.#touch(objectKey(m));
        // Its DaemonSets go with it (the garbage collector's pace): the servers they load into need not wait.
        for (const ds of this.caches.daemonSets.byIndex(objectKey(m))) this.#addOwner(serverKeyOf(ds));
      },
    };
  }

  #onRuntime(): InformerHandlers<EdgeRuntime> {
    return {
      added: () => this.#replanAll(),
      updated: (before, after) => {
        if (before.metadata.generation !== after.metadata.generation) this.#replanAll();
      },
      deleted: () => this.#replanAll(),
    };
  }

  /** Queues the model a DaemonSet or pod is of, or, for a shared server's, every model loading into it: its problems are theirs. */
  #queueModelsOf(o: { metadata?: V1ObjectMeta }): void {
    const model = ownerIndex(o);
    if (model) this.#addOwner(model);
    const server = ownServerKey(o);
    if (server) for (const user of this.#servers.users(server)) this.#addOwner(user);
  }

  /** A back-off on a pod of one of our DaemonSets queues its model, or a server's models (the Event names the pod only). */
  #onBackOff(): InformerHandlers<CachedBackOff> {
    const owner = (e: CachedBackOff) => {
      const key = backOffOwner(e);
      const ds = key ? this.caches.daemonSets.get(key) : undefined;
      if (ds) this.#queueModelsOf(ds);
    };
    return {
      added: owner,
      updated: (before, after) => {
        if (before.lastSeenMs !== after.lastSeenMs) owner(after);
      },
    };
  }

  /** A pending runtime or server pod that cannot start, or no longer, changes its models' status; one merely starting does not. */
  #onPendingPod(): InformerHandlers<V1Pod & KubeObject> {
    const owner = (pod: V1Pod) => this.#queueModelsOf(pod);
    return {
      added: (pod) => {
        if (podStartProblem(pod)) owner(pod);
      },
      updated: (before, after) => {
        if (startChanged(before, after)) owner(after);
      },
      deleted: (pod) => {
        if (podStartProblem(pod)) owner(pod);
      },
    };
  }

  /** A node joining, leaving or changing what it offers replans the models that select it. */
  #onNode(): InformerHandlers<V1Node> {
    const replan = (...nodes: V1Node[]) => {
      if (!this.loop.leading) return;
      for (const model of this.caches.models.list()) if (nodes.some((n) => selects(model, n))) this.#touch(objectKey(model));
    };
    return {
      added: (n) => replan(n),
      updated: (before, after) => {
        if (nodeChanged(before, after)) replan(before, after);
      },
      deleted: (n) => replan(n),
    };
  }

  #onDaemonSet(): InformerHandlers<CachedDaemonSet> {
    const owner = (ds: V1DaemonSet) => this.#addOwner(ownerIndex(ds));
    // A shared server's reconcile looks at who uses it: only a use or a server coming or going is news to it.
    const server = (ds: CachedDaemonSet) => this.#addOwner(serverKeyOf(ds));
    return {
      // Our own applies create children; only one whose controller already reported on it has news.
      added: (ds) => {
        if (ds.status?.observedGeneration !== undefined) owner(ds);
        server(ds);
      },
      updated: (before, after) => {
        const key = objectKey({ metadata: after.metadata ?? {} });
        const changedByOthers =
          before.metadata?.generation !== after.metadata?.generation && !this.#children.appliedAt(key, after.metadata?.generation);
        if (rolloutChanged(before, after) || changedByOthers) owner(after);
        // A model's DaemonSet being deleted (its pods terminating) no longer holds its server.
        const leaving = !before.metadata.deletionTimestamp && after.metadata.deletionTimestamp;
        if (leaving || before.metadata.labels?.[LABELS.modelServer] !== after.metadata.labels?.[LABELS.modelServer]) {
          server(before);
          server(after);
        }
      },
      deleted: (ds) => {
        owner(ds);
        server(ds);
      },
    };
  }
}
