import {
  BUILD_LABEL,
  type EdgeModel,
  type EdgeModelBuild,
  type EdgeModelBuildStatus,
  LABELS,
  MANAGER,
  type PlacementStatus,
  parseBuildSummary,
  type RolloutStatus,
} from "@edgefleet/api";
import { type Clock, systemClock } from "@edgefleet/kit";
import type { InformerMetrics } from "@edgefleet/kube";
import { collectionPath, Informer, KubeError, type KubeObject, objectKey, RESOURCES } from "@edgefleet/kube";
import type { V1Job, V1Pod } from "@kubernetes/client-node";
import { type ControllerBasics, controllerQueue, deleteChild, informerBasics } from "../controller/basics.js";
import { ControllerLoop } from "../controller/loop.js";
import { patchStatus } from "../controller/merge-patch.js";
import { notStartingMessage, slimPodStart } from "../controller/pod-start.js";
import { stableJson } from "../controller/stable-json.js";
import { CACHE_LAG_RETRY_MS, OwnWrites } from "../controller/write-lag.js";
import type { OperatorMetrics, QueueRecorders } from "../observe/metrics.js";
import { CARRIED_FROM_ANNOTATION } from "./carried.js";
import { rolloutOutcome, withFleet } from "./fleet.js";
import { type BuildJobSettings, desiredJob, jobName } from "./job.js";
import { decidePublication, PUBLISH_FIELD_MANAGER, type Publication, publishedModelName } from "./publication.js";
import { BUILD_CONTROLLER_NAME, BUILD_RESOURCES } from "./resources.js";
import { buildStatus, endEvents, finished, type JobObservation, NOT_STARTING_REASON } from "./status.js";

export interface BuildControllerOptions extends ControllerBasics {
  recorders: QueueRecorders;
  metrics: OperatorMetrics["builds"] & { informers: InformerMetrics; outcomes: (outcome: string) => void };
  job: BuildJobSettings;
}

type CachedJob = KubeObject & V1Job;

/** Only what the reconcile reads of a Job: its identity and how it went. */
function slimJob(raw: KubeObject): CachedJob {
  const job = raw as V1Job;
  const { name, namespace, uid, labels, resourceVersion, annotations } = job.metadata ?? {};
  const carried = annotations?.[CARRIED_FROM_ANNOTATION];
  return {
    metadata: {
      name,
      namespace,
      uid,
      labels,
      resourceVersion,
      ...(carried ? { annotations: { [CARRIED_FROM_ANNOTATION]: carried } } : {}),
    },
    ...(job.status
      ? {
          status: {
            active: job.status.active,
            startTime: job.status.startTime,
            completionTime: job.status.completionTime,
            conditions: job.status.conditions,
          },
        }
      : {}),
  } as CachedJob;
}

/** The build's key, from one of its Jobs' (or their pods') labels. */
const buildOf = (o: KubeObject) => {
  const build = o.metadata.labels?.[BUILD_LABEL];
  return build && o.metadata.namespace ? `${o.metadata.namespace}/${build}` : undefined;
};

/** The label the Job controller gives its pods. */
const JOB_NAME_LABEL = "batch.kubernetes.io/job-name";

/**
 * Only what a build reads of an EdgeModel: its identity, labels and spec (a publication's
 * nextVersion keeps those), and of its status the rollout's progress and measurements and what
 * each class runs (a published build's status.fleet).
 */
function slimModel(raw: KubeObject): EdgeModel {
  const m = raw as unknown as EdgeModel;
  const { name, namespace, labels, resourceVersion } = m.metadata ?? {};
  const { classes: _classes, lastAnalysis, ...progress } = m.status?.rollout ?? {};
  const measured = lastAnalysis?.measured;
  const rollout: RolloutStatus | undefined = m.status?.rollout && {
    ...(progress as RolloutStatus),
    ...(lastAnalysis
      ? { lastAnalysis: { time: lastAnalysis.time, verdict: lastAnalysis.verdict, message: "", ...(measured ? { measured } : {}) } }
      : {}),
  };
  const placements = m.status?.placements?.map(
    ({ hardwareClass, nodes, ready, variant, runtime }): PlacementStatus => ({
      hardwareClass,
      nodes,
      ready,
      ...(variant ? { variant } : {}),
      ...(runtime ? { runtime } : {}),
    }),
  );
  return {
    apiVersion: "edgefleet.io/v1alpha1",
    kind: "EdgeModel",
    metadata: { name, namespace, labels, resourceVersion },
    spec: m.spec,
    ...(rollout || placements ? { status: { ...(rollout ? { rollout } : {}), ...(placements ? { placements } : {}) } } : {}),
  } as EdgeModel;
}

/** The EdgeModel a build published into, as the models cache keys it. */
const publishedInto = (b: EdgeModelBuild) =>
  b.status?.published && b.metadata.namespace ? `${b.metadata.namespace}/${b.status.published.edgeModel}` : undefined;

const ended = (job: CachedJob, type: "Complete" | "Failed") => job.status?.conditions?.some((c) => c.type === type && c.status === "True");

/**
 * The EdgeModelBuild controller: one Job per build generation, its outcome copied into the
 * build's status. Level-based like the EdgeModel controller: informers on builds and their Jobs
 * feed a rate-limited queue of build keys; each reconcile compares the cache with the desired
 * Job, applies or deletes, and writes status once.
 */
export class BuildController {
  readonly #o: BuildControllerOptions;
  readonly #clock: Clock;
  /** Its queue, workers and caches' health, which main reads for probes and metrics. */
  readonly loop: ControllerLoop;
  readonly #builds: Informer<EdgeModelBuild>;
  readonly #jobs: Informer<CachedJob>;
  /** The builds' pods, for why one cannot start (the scheduler, the image); their termination messages are read live at the end. */
  readonly #pods: Informer<V1Pod & KubeObject>;
  /** The EdgeModels builds publish into (spec.publish): read from this cache, never fetched (the operator's RBAC has no get). */
  readonly #models: Informer<EdgeModel & KubeObject>;
  /** Build key → the Job this process applied: a cache yet to show it must not apply (and announce) it again. */
  readonly #applied = new Map<string, string>();
  /**
   * Our last status write per build, until the cache shows it: a reconcile of the build as it was
   * before would write that status again and record its Events (a pod not starting, the end) twice.
   */
  readonly #ownWrites: OwnWrites;

  constructor(options: BuildControllerOptions) {
    this.#o = options;
    this.#clock = options.clock ?? systemClock;
    this.#ownWrites = new OwnWrites(this.#clock);
    const { metrics, namespace } = options;
    const shared = { ...informerBasics(options, this.#clock, metrics.informers), ...(namespace ? { namespace } : {}) };
    const add = (key: string | undefined) => this.loop.add(key);
    this.#builds = new Informer<EdgeModelBuild>({
      ...shared,
      resource: BUILD_RESOURCES.builds,
      transform: (o) => o as EdgeModelBuild,
      index: publishedInto,
      handlers: {
        added: (b) => add(objectKey(b)),
        // Our own status writes come back as updates: only a new generation is news.
        updated: (before, after) => {
          if (before.metadata.generation !== after.metadata.generation) add(objectKey(after));
        },
        deleted: (b) => add(objectKey(b)),
      },
    });
    this.#jobs = new Informer<CachedJob>({
      ...shared,
      resource: BUILD_RESOURCES.jobs,
      labelSelector: `${BUILD_LABEL},${LABELS.managedBy}=${MANAGER}`,
      transform: slimJob,
      index: buildOf,
      handlers: { added: (j) => add(buildOf(j)), updated: (_, j) => add(buildOf(j)), deleted: (j) => add(buildOf(j)) },
    });
    this.#pods = new Informer<V1Pod & KubeObject>({
      ...shared,
      resource: RESOURCES.pods,
      labelSelector: BUILD_LABEL,
      transform: slimPodStart,
      index: buildOf,
      handlers: { added: (p) => add(buildOf(p)), updated: (_, p) => add(buildOf(p)), deleted: (p) => add(buildOf(p)) },
    });
    // A change of an EdgeModel is news to the builds that published into it (their status.fleet follows its rollout). A
    // publication refused for a missing EdgeModel waits for the build's next generation, as every refusal does.
    const published = (m: KubeObject) => {
      for (const b of this.#builds.byIndex(objectKey(m))) add(objectKey(b));
    };
    this.#models = new Informer<EdgeModel & KubeObject>({
      ...shared,
      resource: RESOURCES.edgeModels,
      transform: (o) => slimModel(o) as EdgeModel & KubeObject,
      handlers: { added: published, updated: (_, m) => published(m), deleted: published },
    });
    this.loop = new ControllerLoop({
      queue: controllerQueue(this.#clock, options.recorders.workQueue),
      informers: [this.#builds, this.#jobs, this.#pods, this.#models],
      workers: options.workers,
      worker: {
        controller: BUILD_CONTROLLER_NAME,
        reconcile: async (key, span) => {
          const { outcome, requeueAfterMs } = await this.reconcile(key);
          span.setAttribute("edgefleet.outcome", outcome);
          this.#o.metrics.outcomes(outcome);
          return { requeueAfterMs };
        },
        metrics: options.recorders.controller,
        tracer: options.tracer,
        clock: this.#clock,
        log: options.log,
      },
    });
    this.#builds.start();
    this.#jobs.start();
    this.#pods.start();
    this.#models.start();
  }

  async lead(): Promise<void> {
    await this.loop.lead(() => {
      for (const b of this.#builds.list()) this.loop.add(objectKey(b));
    });
    this.#o.log.info("build controller started", { workers: this.#o.workers, builds: this.#builds.size });
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }

  async reconcile(key: string): Promise<{ outcome: string; requeueAfterMs?: number }> {
    const build = this.#builds.get(key);
    if (!build) {
      this.#applied.delete(key);
      this.#ownWrites.forget(key);
      return { outcome: "absent" };
    }
    if (this.#ownWrites.behind(key, build.metadata.resourceVersion)) return { outcome: "unchanged", requeueAfterMs: CACHE_LAG_RETRY_MS };
    // Its Jobs go with it through their owner references.
    if (build.metadata.deletionTimestamp) return { outcome: "deleted" };
    const name = jobName(build);
    const jobs = this.#jobs.byIndex(key);
    // Jobs of earlier generations: the status now reports the current one.
    await Promise.all(
      jobs.filter((j) => j.metadata.name !== name).map((j) => deleteChild(this.#o.client, BUILD_RESOURCES.jobs, j.metadata)),
    );
    if (finished(build.status, name)) return this.#followFleet(key, build);
    const job = jobs.find((j) => j.metadata.name === name);
    // Once the cache shows the Job, someone deleting it has it applied again.
    if (job) this.#applied.delete(key);
    let observed: JobObservation;
    if (!job) {
      if (this.#applied.get(key) !== name) {
        await this.#apply(build);
        this.#applied.set(key, name);
      }
      observed = { phase: "Created" };
    } else if (ended(job, "Complete") || ended(job, "Failed")) {
      observed = await this.#outcome(job);
    } else {
      const notStarting = this.#notStarting(key, name);
      observed = { phase: job.status?.active ? "Running" : "Created", ...(notStarting ? { notStarting } : {}) };
    }
    const publication = await this.#publish(build, observed, job?.metadata.annotations?.[CARRIED_FROM_ANNOTATION]);
    const now = new Date(this.#clock.wallMs());
    const status = withFleet(build, buildStatus(build, name, observed, now, publication), this.#publishedModel(build), now);
    if (stableJson(status) === stableJson(build.status ?? {})) return { outcome: "unchanged" };
    await this.#writeStatus(key, build, status);
    const progressing = (st: EdgeModelBuildStatus | undefined) => st?.conditions?.find((c) => c.type === "Progressing");
    const stuck = progressing(status);
    if (stuck?.reason === NOT_STARTING_REASON && progressing(build.status)?.reason !== NOT_STARTING_REASON)
      this.#o.events.record(build, { type: "Warning", reason: "BuildPodNotStarting", note: stuck.message ?? "" });
    if (observed.phase === "Succeeded" || observed.phase === "Failed") this.#record(build, job, status);
    return { outcome: "synced" };
  }

  /** The EdgeModel a build publishes into, as the cache has it. */
  #publishedModel(build: EdgeModelBuild): EdgeModel | undefined {
    return build.spec.publish ? this.#models.get(`${build.metadata.namespace}/${publishedModelName(build)}`) : undefined;
  }

  /** A build that ended: only its published version's rollout moves on (status.fleet, RolledOut, and an Event at its outcome). */
  async #followFleet(key: string, build: EdgeModelBuild): Promise<{ outcome: string }> {
    const before = build.status ?? {};
    const status = withFleet(build, before, this.#publishedModel(build), new Date(this.#clock.wallMs()));
    if (stableJson(status) === stableJson(before)) return { outcome: "unchanged" };
    await this.#writeStatus(key, build, status);
    const reached = rolloutOutcome(before, status);
    if (reached) {
      this.#o.events.record(build, reached.event);
      this.#o.metrics.rolledOut(reached.outcome);
    }
    return { outcome: "synced" };
  }

  /**
   * With spec.publish, once the Job succeeded: the EdgeModel's new version applied (server-side
   * apply), or why not. Runs in the reconcile that records the end, before its status write; a
   * reconcile after a lost status write finds the EdgeModel already published and applies nothing.
   */
  async #publish(build: EdgeModelBuild, observed: JobObservation, carriedFrom: string | undefined): Promise<Publication | undefined> {
    if (!build.spec.publish || observed.phase !== "Succeeded" || !observed.summary || "error" in observed.summary) return undefined;
    const key = `${build.metadata.namespace}/${publishedModelName(build)}`;
    const decided = decidePublication(build, observed.summary, this.#publishedModel(build), carriedFrom);
    if (decided.action !== "apply") return decided;
    try {
      await this.#o.client.apply(RESOURCES.edgeModels, decided.model, PUBLISH_FIELD_MANAGER);
    } catch (err) {
      // The API server refusing the new version (its schema, CEL) is final for this generation; anything else is retried.
      if (err instanceof KubeError && (err.status === 400 || err.status === 403 || err.status === 422))
        return {
          action: "refuse",
          reason: "ApplyRefused",
          message: `EdgeModel ${key} version ${build.spec.version} was not applied: the API server refused it (${err.status} ${err.reason}): ${err.message}`,
        };
      throw err;
    }
    this.#o.log.info("build published", { build: objectKey(build), edgeModel: key, version: build.spec.version });
    return { action: "done", published: decided.published };
  }

  /** Events and metrics of a build whose end the status now holds. */
  #record(build: EdgeModelBuild, job: CachedJob | undefined, status: EdgeModelBuildStatus): void {
    for (const e of endEvents(status)) this.#o.events.record(build, e);
    const started = job?.status?.startTime ? new Date(job.status.startTime).getTime() : undefined;
    const done = job?.status?.completionTime ? new Date(job.status.completionTime).getTime() : this.#clock.wallMs();
    const failed = status.conditions?.some((c) => c.type === "Stalled" && c.status === "True");
    this.#o.metrics.ended(
      failed ? "failed" : "succeeded",
      started === undefined ? undefined : (done - started) / 1000,
      status.targets ?? [],
    );
  }

  /**
   * Why the Job's pod cannot start, from the pod cache, with what to change: the operator's
   * --build-image for an image that cannot be pulled (edgefleet publishes none), the spec's
   * nodeSelector and tolerations for a pod no node fits.
   */
  #notStarting(key: string, job: string): string | undefined {
    return notStartingMessage(
      this.#pods.byIndex(key).filter((pod) => pod.metadata.labels?.[JOB_NAME_LABEL] === job),
      {
        image: `the build image is the operator's --build-image, ${this.#o.job.image}: build it (tools/edgefleet images build --only model-build, or deploy/docker/model-build.Dockerfile) and push it where the build's node pulls from, or set --build-image to your mirror of it (docs/images.md)`,
        unschedulable: "spec.nodeSelector and spec.tolerations choose the build's node",
      },
    );
  }

  /** The ended Job's summary, from its pod's termination message (read live: the cache keeps no termination messages). */
  async #outcome(job: CachedJob): Promise<JobObservation> {
    const phase = ended(job, "Complete") ? "Succeeded" : "Failed";
    const failure = job.status?.conditions?.find((c) => c.type === "Failed" && c.status === "True");
    const { name = "", namespace = "" } = job.metadata;
    const selector = encodeURIComponent(`batch.kubernetes.io/job-name=${name}`);
    const pods = await this.#o.client.request<{ items: V1Pod[] }>({
      method: "GET",
      path: `${collectionPath(RESOURCES.pods, namespace)}?labelSelector=${selector}`,
    });
    const message = pods.items
      .map((p) => p.status?.containerStatuses?.find((c) => c.name === "build")?.state?.terminated?.message)
      .find((m) => m !== undefined && m.trim() !== "");
    const jobProblem = failure ? `Job ${name} failed: ${failure.reason ?? ""} ${failure.message ?? ""}`.trim() : undefined;
    if (message === undefined)
      return { phase, summary: undefined, problem: jobProblem ?? `no pod of Job ${name} left a termination message (the build's summary)` };
    try {
      return { phase, summary: parseBuildSummary(message), ...(jobProblem ? { problem: jobProblem } : {}) };
    } catch (err) {
      return { phase, summary: undefined, problem: jobProblem ? `${jobProblem}; ${(err as Error).message}` : (err as Error).message };
    }
  }

  async #apply(build: EdgeModelBuild): Promise<void> {
    // The EdgeModel as the cache has it now: the Job carries its variants no build replaces.
    const job = desiredJob(build, this.#o.job, this.#publishedModel(build));
    const { name = "" } = job.metadata ?? {};
    await this.#o.client.apply(BUILD_RESOURCES.jobs, job, this.#o.fieldManager);
    this.#o.events.record(build, {
      type: "Normal",
      reason: "BuildStarted",
      note: `created Job ${name} for generation ${build.metadata.generation}`,
    });
  }

  /** The reconcile's single status write. */
  async #writeStatus(key: string, build: EdgeModelBuild, status: EdgeModelBuildStatus): Promise<void> {
    await this.#ownWrites.track(key, build.metadata.resourceVersion, () =>
      patchStatus(this.#o.client, BUILD_RESOURCES.builds, build, status, this.#o.fieldManager),
    );
  }
}
