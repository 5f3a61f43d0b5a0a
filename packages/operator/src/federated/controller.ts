import type { EdgeModelBuild, FederatedTraining, FederatedTrainingStatus } from "@edgefleet/api";
import { FEDERATED_LABELS, federatedNames, LABELS, MANAGER, PROGRESS_KEYS } from "@edgefleet/api";
import type { Clock } from "@edgefleet/kit";
import { systemClock } from "@edgefleet/kit";
import type { InformerMetrics, KubeObject, Resource } from "@edgefleet/kube";
import { CONTENT_TYPES, Informer, KubeError, kubeTime, managedBy, objectKey, objectPath, RESOURCES, splitKey } from "@edgefleet/kube";
import type { V1ConfigMap, V1Pod } from "@kubernetes/client-node";
import { BUILD_RESOURCES } from "../build/resources.js";
import { type ControllerBasics, controllerQueue, createChild, deleteChild, informerBasics } from "../controller/basics.js";
import { ControllerLoop } from "../controller/loop.js";
import { patchStatus } from "../controller/merge-patch.js";
import { failedExit, notStartingMessage, slimPodStart } from "../controller/pod-start.js";
import { type CachedNode, slimNode } from "../controller/slim.js";
import { stableJson } from "../controller/stable-json.js";
import { CACHE_LAG_RETRY_MS, OwnWrites } from "../controller/write-lag.js";
import type { FederatedMetrics } from "../observe/federated-metrics.js";
import { FEDERATED_CONTROLLER, type QueueRecorders } from "../observe/metrics.js";
import type { MetricsSource } from "../rollout/metrics-source.js";
import { applyFailure, BUILD_REFUSED } from "./build.js";
import {
  type CoordinatorSettings,
  coordinatorIdentity,
  coordinatorNetworkPolicy,
  progressConfigMap,
  superlinkService,
} from "./children.js";
import { decide } from "./decide.js";
import { eligibility, readTelemetry } from "./eligibility.js";
import { parseProgress } from "./progress.js";

/** How a failed coordinator pod ended, for the job's status (failedExit). */
function exitOf(pod: V1Pod): { exit?: string } {
  const exit = failedExit(pod);
  return exit ? { exit } : {};
}

export const FEDERATED_TRAININGS: Resource = {
  name: "federatedtrainings",
  group: "edgefleet.io",
  version: "v1alpha1",
  plural: "federatedtrainings",
  namespaced: true,
};
const CONFIG_MAPS: Resource = { name: "configmaps", group: "", version: "v1", plural: "configmaps", namespaced: true };
const SERVICE_ACCOUNTS: Resource = { name: "serviceaccounts", group: "", version: "v1", plural: "serviceaccounts", namespaced: true };
const RBAC = { group: "rbac.authorization.k8s.io", version: "v1", namespaced: true } as const;
const ROLES: Resource = { name: "roles", plural: "roles", ...RBAC };
const ROLE_BINDINGS: Resource = { name: "rolebindings", plural: "rolebindings", ...RBAC };

const SELECTOR = `${LABELS.managedBy}=${MANAGER},${FEDERATED_LABELS.job}`;

export interface FederatedControllerOptions extends ControllerBasics {
  recorders: QueueRecorders;
  informerMetrics: InformerMetrics;
  metrics: FederatedMetrics;
  /** Where eligibility reads device temperature, throttling, CPU load and disconnects; without one, labels alone decide. */
  metricsSource?: MetricsSource;
  /** What coordinator pods are given: the CA bundle (--artifact-ca-bundle) spec.build's pushes trust. */
  coordinator?: CoordinatorSettings;
}

/** The owning job's key of a child: namespace/job label. */
const jobOf = (o: KubeObject): string | undefined => {
  const job = o.metadata.labels?.[FEDERATED_LABELS.job];
  return job && o.metadata.namespace ? `${o.metadata.namespace}/${job}` : undefined;
};

/** A pod as the reconcile reads it: identity, role, node, phase, why it cannot start (podStartProblem) and how it failed (failedExit). */
function slimPod(raw: KubeObject): V1Pod & KubeObject {
  const nodeName = (raw as V1Pod).spec?.nodeName;
  return { ...slimPodStart(raw), spec: { containers: [], ...(nodeName ? { nodeName } : {}) } };
}

/**
 * Why a pod of the job cannot start, with what to change, the coordinator's first: the trainer
 * image (both roles run spec.trainer.image), or the coordinator's nodeSelector (clients are pinned
 * to their device by nodeName, past the scheduler).
 */
function notStarting(pods: readonly (V1Pod & KubeObject)[]): string | undefined {
  const isCoordinator = (p: V1Pod & KubeObject) => p.metadata.labels?.[FEDERATED_LABELS.role] === "coordinator";
  return notStartingMessage([...pods.filter(isCoordinator), ...pods.filter((p) => !isCoordinator(p))], {
    image: "its image is spec.trainer.image, which every node of the job pulls",
    unschedulable: "spec.coordinator.nodeSelector chooses the coordinator's node",
  });
}

/**
 * The FederatedTraining controller: informers on jobs, Nodes, and the jobs' pods and progress
 * ConfigMaps feed a rate-limited queue of job keys; each reconcile reads the caches (and
 * Prometheus, when eligibility uses telemetry), decides with decide() (pure), creates and deletes
 * pods, and writes status once. Same shape as the EdgeModel controller: level-based, the worker
 * loop owns requeues.
 */
export class FederatedTrainingController {
  readonly #o: FederatedControllerOptions;
  readonly #clock: Clock;
  /** Its queue, workers and caches' health, which main reads for probes and metrics. */
  readonly loop: ControllerLoop;
  readonly #jobs: Informer<FederatedTraining>;
  readonly #nodes: Informer<CachedNode>;
  readonly #pods: Informer<V1Pod & KubeObject>;
  readonly #configMaps: Informer<V1ConfigMap & KubeObject>;
  /** The EdgeModelBuilds jobs with spec.build created: applied only when missing or changed. */
  readonly #builds: Informer<EdgeModelBuild & KubeObject>;
  readonly #ownWrites: OwnWrites;

  constructor(o: FederatedControllerOptions) {
    this.#o = o;
    this.#clock = o.clock ?? systemClock;
    this.#ownWrites = new OwnWrites(this.#clock);
    const shared = informerBasics(o, this.#clock, o.informerMetrics);
    const inNamespace = o.namespace ? { namespace: o.namespace } : {};
    const byOwner = {
      added: (c: KubeObject) => this.#addKey(jobOf(c)),
      updated: (_: KubeObject, c: KubeObject) => this.#addKey(jobOf(c)),
      deleted: (c: KubeObject) => this.#addKey(jobOf(c)),
    };
    this.#jobs = new Informer<FederatedTraining>({
      ...shared,
      ...inNamespace,
      resource: FEDERATED_TRAININGS,
      transform: (raw) => raw as FederatedTraining,
      handlers: {
        added: (j) => this.#addKey(objectKey(j)),
        updated: (_, j) => this.#addKey(objectKey(j)),
        deleted: (j) => this.#addKey(objectKey(j)),
      },
    });
    // Any node change may change any running job's eligibility.
    const all = () => this.#enqueueAll();
    this.#nodes = new Informer<CachedNode>({
      ...shared,
      resource: RESOURCES.nodes,
      transform: slimNode,
      handlers: { added: all, updated: all, deleted: all },
    });
    this.#pods = new Informer({
      ...shared,
      ...inNamespace,
      resource: RESOURCES.pods,
      labelSelector: SELECTOR,
      transform: slimPod,
      index: jobOf,
      handlers: byOwner,
    });
    this.#configMaps = new Informer({
      ...shared,
      ...inNamespace,
      resource: CONFIG_MAPS,
      labelSelector: SELECTOR,
      transform: (raw) => raw as V1ConfigMap & KubeObject,
      handlers: byOwner,
    });
    this.#builds = new Informer<EdgeModelBuild & KubeObject>({
      ...shared,
      ...inNamespace,
      resource: BUILD_RESOURCES.builds,
      labelSelector: SELECTOR,
      transform: (raw) => raw as EdgeModelBuild & KubeObject,
      handlers: byOwner,
    });
    this.loop = new ControllerLoop({
      queue: controllerQueue(this.#clock, o.recorders.workQueue),
      informers: this.#informers,
      workers: o.workers,
      worker: {
        controller: FEDERATED_CONTROLLER,
        metrics: o.recorders.controller,
        tracer: o.tracer,
        clock: this.#clock,
        log: o.log,
        reconcile: async (key) => ({ requeueAfterMs: await this.reconcile(key) }),
      },
    });
    for (const i of this.#informers) i.start();
  }

  get #informers() {
    return [this.#jobs, this.#nodes, this.#pods, this.#configMaps, this.#builds];
  }

  async lead(): Promise<void> {
    await this.loop.lead(() => this.#enqueueAll());
    this.#o.log.info("federated controller started", { workers: this.#o.workers, jobs: this.#jobs.size });
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }

  #addKey(key: string | undefined): void {
    this.loop.add(key);
  }

  #enqueueAll(): void {
    for (const job of this.#jobs.list()) this.#addKey(objectKey(job));
  }

  /** One level-based pass over a job; returns when to look again, if nothing else happens first. */
  async reconcile(key: string): Promise<number | undefined> {
    const job = this.#jobs.get(key);
    const { namespace, name } = splitKey(key);
    if (!job) {
      this.#o.metrics.forget(namespace, name);
      this.#ownWrites.forget(key);
      return undefined;
    }
    if (this.#ownWrites.behind(key, job.metadata.resourceVersion)) return CACHE_LAG_RETRY_MS;
    // Its children go with it through their owner references.
    if (job.metadata.deletionTimestamp) return undefined;
    const names = federatedNames(name);
    const pods = this.#pods.byIndex(key).filter((p) => !p.metadata.deletionTimestamp);
    const coordinator = pods.find((p) => p.metadata.labels?.[FEDERATED_LABELS.role] === "coordinator");
    const clients = pods.filter((p) => p.metadata.labels?.[FEDERATED_LABELS.role] === "client");
    const stuck = notStarting(pods);
    const cm = this.#configMaps.get(`${namespace}/${names.progress}`);
    const finished = job.status?.phase === "Succeeded" || job.status?.phase === "Failed";
    const telemetry = finished ? undefined : await readTelemetry(this.#o.metricsSource, job.spec.eligibility);
    const plan = decide({
      job,
      eligibility: eligibility(job.spec.eligibility, this.#nodes.list(), telemetry),
      telemetry,
      progress: cm ? parseProgress(cm.data) : undefined,
      coordinator: coordinator
        ? {
            ...(coordinator.status?.phase ? { phase: coordinator.status.phase } : {}),
            ...(coordinator.spec?.nodeName ? { node: coordinator.spec.nodeName } : {}),
            ...(coordinator.status?.phase === "Failed" ? exitOf(coordinator) : {}),
          }
        : undefined,
      clients: clients.map((p) => ({ name: p.metadata.name ?? "", node: p.spec?.nodeName ?? "" })),
      now: new Date(this.#clock.wallMs()),
      ...(this.#o.coordinator ? { coordinatorSettings: this.#o.coordinator } : {}),
      ...(stuck ? { notStarting: stuck } : {}),
    });
    if (plan.start) {
      // Created, never applied: the first write of the devices wins, and a second start (a
      // lagging cache, a second operator) finds it and waits for the cache instead.
      if (!(await this.#create(CONFIG_MAPS, namespace, progressConfigMap(job, plan.start)))) return CACHE_LAG_RETRY_MS;
      await this.#create(RESOURCES.services, namespace, superlinkService(job));
    }
    // A joiner's partition is its place in the list: the pods wait until the list written is this one.
    if (plan.join && cm && !(await this.#join(cm, plan.join))) return CACHE_LAG_RETRY_MS;
    const have = new Set(pods.map((p) => p.metadata.name));
    const create = plan.pods.filter((p) => !have.has(p.metadata?.name));
    if (create.some((p) => p.metadata?.name === names.coordinator)) {
      // Its identity and NetworkPolicy first, every time the coordinator is created (an exit between
      // these writes leaves none otherwise): the API server refuses a pod whose ServiceAccount does
      // not exist, and its port is never open to more than the job's clients.
      const [account, role, binding] = coordinatorIdentity(job);
      await this.#create(SERVICE_ACCOUNTS, namespace, account);
      await this.#create(ROLES, namespace, role);
      await this.#create(ROLE_BINDINGS, namespace, binding);
      await this.#create(RESOURCES.networkPolicies, namespace, coordinatorNetworkPolicy(job));
    }
    await Promise.all(create.map((p) => this.#create(RESOURCES.pods, namespace, p)));
    await Promise.all(
      plan.remove.map(async (podName) => {
        const uid = pods.find((p) => p.metadata.name === podName)?.metadata.uid;
        await deleteChild(this.#o.client, RESOURCES.pods, { name: podName, namespace, ...(uid ? { uid } : {}) });
      }),
    );
    let applyError: unknown;
    if (plan.build) {
      const buildName = plan.build.metadata.name ?? "";
      const before = job.status?.conditions?.find((c) => c.type === "BuildCreated");
      // Refused for good: the spec cannot change, so the same build is not sent again.
      let failure = before?.reason === BUILD_REFUSED ? { reason: BUILD_REFUSED, message: before.message, retry: false } : undefined;
      if (!failure)
        try {
          await this.#applyBuild(plan.build);
        } catch (err) {
          failure = applyFailure(buildName, err);
          // A failure that may pass is said in status and an Event, then retried with the worker's backoff.
          if (failure.retry) applyError = err;
        }
      if (failure) {
        const { reason, message } = failure;
        const since = before?.status === "False" ? before.lastTransitionTime : kubeTime(new Date(this.#clock.wallMs()));
        plan.status.conditions = (plan.status.conditions ?? []).map((c) =>
          c.type === "BuildCreated" ? { ...c, status: "False", reason, message, lastTransitionTime: since } : c,
        );
        plan.events = plan.events.filter((e) => e.reason !== "BuildCreated");
        if (failure.retry || before?.reason !== reason) plan.events.push({ type: "Warning", reason: "BuildNotCreated", note: message });
        if (!failure.retry) delete plan.status.build;
      }
    }
    await this.#writeStatus(key, job, plan.status);
    for (const e of plan.events) this.#o.events.record(job, e);
    if (applyError) throw applyError;
    const s = plan.status;
    this.#o.metrics.observed(namespace, name, {
      phase: s.phase ?? "Pending",
      rounds: s.rounds?.length ?? 0,
      clients: s.clients?.length ?? 0,
      ...(s.rounds?.length ? { accuracyPercent: s.rounds.at(-1)?.accuracyPercent ?? 0 } : {}),
      ...(s.epsilon !== undefined ? { epsilon: s.epsilon } : {}),
      stalled: s.conditions?.some((c) => c.type === "Stalled" && c.status === "True") ?? false,
    });
    return plan.requeueAfterMs;
  }

  /** Server-side apply of a job's EdgeModelBuild, skipped when the cached one has this spec already. */
  async #applyBuild(build: EdgeModelBuild): Promise<void> {
    const { name = "", namespace = "" } = build.metadata;
    const cached = this.#builds.get(`${namespace}/${name}`);
    if (cached && stableJson(cached.spec) === stableJson(build.spec)) return;
    await this.#o.client.apply(BUILD_RESOURCES.builds, build, this.#o.fieldManager);
  }

  /**
   * Writes the progress ConfigMap's joined list, on the condition that the ConfigMap is still the
   * cached one (its resourceVersion in the patch): false when it changed meanwhile (409), to decide again.
   */
  async #join(cm: V1ConfigMap & KubeObject, joined: readonly string[]): Promise<boolean> {
    const { name = "", namespace = "", resourceVersion } = cm.metadata;
    try {
      await this.#o.client.request({
        method: "PATCH",
        path: managedBy(objectPath(CONFIG_MAPS, name, namespace), this.#o.fieldManager),
        body: { metadata: { resourceVersion }, data: { [PROGRESS_KEYS.joined]: joined.join("\n") } },
        contentType: CONTENT_TYPES.merge,
      });
      return true;
    } catch (err) {
      if (err instanceof KubeError && err.status === 409) return false;
      throw err;
    }
  }

  /** POSTs a child; false when it exists already (409). */
  #create(resource: Resource, namespace: string, body: object): Promise<boolean> {
    return createChild(this.#o.client, resource, namespace, body, this.#o.fieldManager);
  }

  /** The reconcile's single status write, skipped when nothing changed. */
  async #writeStatus(key: string, job: FederatedTraining, status: FederatedTrainingStatus): Promise<void> {
    if (stableJson(status) === stableJson(job.status ?? {})) return;
    await this.#ownWrites.track(key, job.metadata.resourceVersion, () =>
      patchStatus(this.#o.client, FEDERATED_TRAININGS, job, status, this.#o.fieldManager),
    );
  }
}
