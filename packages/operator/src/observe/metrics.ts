import { BUILD_TARGETS, ROLLOUT_DECISIONS, ROLLOUT_PHASES, TARGET_VERDICTS } from "@edgefleet/api";
import { processMetrics } from "@edgefleet/kit";
import type { InformerMetrics, RequestObserver, WorkQueueMetrics } from "@edgefleet/kube";
import { Counter, Gauge, Histogram, type Registry } from "prom-client";
import { assignmentMetrics } from "../assignments/metrics.js";
import type { PublishResult } from "../assignments/publisher.js";
import { BUILD_CONTROLLER_NAME } from "../build/resources.js";
import type { NodeAssignment } from "../rollout/workloads.js";
import { type FederatedMetrics, federatedMetrics } from "./federated-metrics.js";

/*
 * Metrics, each family on the registry of the component that owns it. Controller and work queue
 * families carry controller-runtime's names, labels and buckets, so dashboards and alerts built
 * for Go operators work unchanged; edgefleet's own start with edgefleet_. Label values are
 * bounded: controller and queue names, verbs, status codes, resource kinds.
 */

const RECONCILE_BUCKETS = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6, 0.7, 0.8, 0.9, 1, 1.25, 1.5, 1.75, 2, 2.5, 3, 3.5, 4, 4.5,
  5, 6, 7, 8, 9, 10, 15, 20, 25, 30, 40, 50, 60,
];
const QUEUE_BUCKETS = Array.from({ length: 10 }, (_, i) => 1e-8 * 10 ** i);

export type ReconcileResult = "success" | "error" | "requeue" | "requeue_after";

/**
 * A family registered once per registry: the operator runs more than one controller (EdgeModels,
 * FederatedTrainings), and their controller and queue families differ only in the controller label.
 */
function family<T>(registry: Registry, name: string, make: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? make();
}

/** Each registry's work queues, for the stuck-worker gauges that read them all at scrape time. */
const queuesOf = new WeakMap<
  Registry,
  { labels: Record<string, string>; inProgress: () => { totalSeconds: number; longestSeconds: number } }[]
>();

export interface ControllerMetrics {
  reconciled(result: ReconcileResult, seconds: number): void;
  activeWorkers(delta: number): void;
}

function controllerMetrics(registry: Registry, controller: string, maxConcurrent: number): ControllerMetrics {
  const total = family(
    registry,
    "controller_runtime_reconcile_total",
    () =>
      new Counter({
        name: "controller_runtime_reconcile_total",
        help: "Total number of reconciliations per controller",
        labelNames: ["controller", "result"],
        registers: [registry],
      }),
  );
  const errors = family(
    registry,
    "controller_runtime_reconcile_errors_total",
    () =>
      new Counter({
        name: "controller_runtime_reconcile_errors_total",
        help: "Total number of reconciliation errors per controller",
        labelNames: ["controller"],
        registers: [registry],
      }),
  );
  const time = family(
    registry,
    "controller_runtime_reconcile_time_seconds",
    () =>
      new Histogram({
        name: "controller_runtime_reconcile_time_seconds",
        help: "Length of time per reconciliation per controller",
        labelNames: ["controller"],
        buckets: RECONCILE_BUCKETS,
        registers: [registry],
      }),
  );
  const active = family(
    registry,
    "controller_runtime_active_workers",
    () =>
      new Gauge({
        name: "controller_runtime_active_workers",
        help: "Number of currently used workers per controller",
        labelNames: ["controller"],
        registers: [registry],
      }),
  );
  family(
    registry,
    "controller_runtime_max_concurrent_reconciles",
    () =>
      new Gauge({
        name: "controller_runtime_max_concurrent_reconciles",
        help: "Maximum number of concurrent reconciles per controller",
        labelNames: ["controller"],
        registers: [registry],
      }),
  ).set({ controller }, maxConcurrent);
  for (const result of ["success", "error", "requeue", "requeue_after"]) total.inc({ controller, result }, 0);
  errors.inc({ controller }, 0);
  return {
    reconciled(result, seconds) {
      total.inc({ controller, result });
      if (result === "error") errors.inc({ controller });
      time.observe({ controller }, seconds);
    },
    activeWorkers(delta) {
      active.inc({ controller }, delta);
    },
  };
}

/** client-go's workqueue metrics for one queue; inProgress feeds the two stuck-worker gauges at scrape time. */
function workQueueMetrics(
  registry: Registry,
  name: string,
  inProgress: () => { totalSeconds: number; longestSeconds: number },
): WorkQueueMetrics {
  const labels = { name, controller: name };
  const labelNames = ["name", "controller"];
  const depth = family(
    registry,
    "workqueue_depth",
    () => new Gauge({ name: "workqueue_depth", help: "Current depth of workqueue", labelNames, registers: [registry] }),
  );
  const adds = family(
    registry,
    "workqueue_adds_total",
    () =>
      new Counter({
        name: "workqueue_adds_total",
        help: "Total number of adds handled by workqueue",
        labelNames,
        registers: [registry],
      }),
  );
  const queued = family(
    registry,
    "workqueue_queue_duration_seconds",
    () =>
      new Histogram({
        name: "workqueue_queue_duration_seconds",
        help: "How long in seconds an item stays in workqueue before being requested",
        labelNames,
        buckets: QUEUE_BUCKETS,
        registers: [registry],
      }),
  );
  const worked = family(
    registry,
    "workqueue_work_duration_seconds",
    () =>
      new Histogram({
        name: "workqueue_work_duration_seconds",
        help: "How long in seconds processing an item from workqueue takes",
        labelNames,
        buckets: QUEUE_BUCKETS,
        registers: [registry],
      }),
  );
  const retries = family(
    registry,
    "workqueue_retries_total",
    () =>
      new Counter({
        name: "workqueue_retries_total",
        help: "Total number of retries handled by workqueue",
        labelNames,
        registers: [registry],
      }),
  );
  // The two stuck-worker gauges read every queue of the registry at scrape time.
  const queues = queuesOf.get(registry) ?? [];
  if (!queuesOf.has(registry)) {
    queuesOf.set(registry, queues);
    new Gauge({
      name: "workqueue_unfinished_work_seconds",
      help: "How many seconds of work has been done that is in progress and hasn't been observed by work_duration",
      labelNames,
      registers: [registry],
      collect() {
        for (const q of queues) this.set(q.labels, q.inProgress().totalSeconds);
      },
    });
    new Gauge({
      name: "workqueue_longest_running_processor_seconds",
      help: "How many seconds has the longest running processor for workqueue been running",
      labelNames,
      registers: [registry],
      collect() {
        for (const q of queues) this.set(q.labels, q.inProgress().longestSeconds);
      },
    });
  }
  queues.push({ labels, inProgress });
  depth.set(labels, 0);
  adds.inc(labels, 0);
  retries.inc(labels, 0);
  return {
    depth: (keys) => depth.set(labels, keys),
    added: () => adds.inc(labels),
    queued: (seconds) => queued.observe(labels, seconds),
    worked: (seconds) => worked.observe(labels, seconds),
    retried: () => retries.inc(labels),
  };
}

/** The operator's own requests to the API server: how many, how they ended, how long they took. */
function kubeClientMetrics(registry: Registry): RequestObserver {
  const requests = new Counter({
    name: "edgefleet_kube_requests_total",
    help: "Requests the operator sent to the Kubernetes API server, by verb and HTTP status (0: no answer)",
    labelNames: ["verb", "code"],
    registers: [registry],
  });
  const latency = new Histogram({
    name: "edgefleet_kube_request_duration_seconds",
    help: "Time to the API server's answer (headers, for watches), by verb",
    labelNames: ["verb"],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  return (verb, status, seconds) => {
    requests.inc({ verb, code: String(status) });
    latency.observe({ verb }, seconds);
  };
}

function informerMetrics(registry: Registry): InformerMetrics {
  const restarts = new Counter({
    name: "edgefleet_informer_restarts_total",
    help: "Informer restarts by resource and reason: error, stall (a silent watch) or expired (relist)",
    labelNames: ["resource", "reason"],
    registers: [registry],
  });
  const events = new Counter({
    name: "edgefleet_informer_events_total",
    help: "Watch events received by resource and type",
    labelNames: ["resource", "type"],
    registers: [registry],
  });
  const objects = new Gauge({
    name: "edgefleet_informer_objects",
    help: "Objects in each informer's cache",
    labelNames: ["resource"],
    registers: [registry],
  });
  return {
    restarted: (resource, reason) => restarts.inc({ resource, reason }),
    event: (resource, type) => events.inc({ resource, type }),
    objects: (resource, count) => objects.set({ resource }, count),
  };
}

function reconcileOutcomes(registry: Registry): (outcome: string) => void {
  const outcomes = new Counter({
    name: "edgefleet_reconcile_outcomes_total",
    help: "What reconciles did: synced (wrote status), unchanged, stalled, deleted (finalized) or absent",
    labelNames: ["outcome"],
    registers: [registry],
  });
  return (outcome) => outcomes.inc({ outcome });
}

/** Kubernetes Events the operator sent, by reason and result: recorded, suppressed (spam filter) or failed. */
function eventMetrics(registry: Registry): (reason: string, result: string) => void {
  const events = new Counter({
    name: "edgefleet_events_total",
    help: "Kubernetes Events by reason and result: recorded, suppressed (too many of a reason about one object) or failed",
    labelNames: ["reason", "result"],
    registers: [registry],
  });
  return (reason, result) => events.inc({ reason, result });
}

/** 1 while this instance holds the leader Lease. */
function leaderMetrics(registry: Registry): (leading: boolean) => void {
  const gauge = new Gauge({
    name: "edgefleet_leader_is_leader",
    help: "1 while this instance holds the leader Lease, else 0",
    registers: [registry],
  });
  gauge.set(0);
  return (leading) => gauge.set(leading ? 1 : 0);
}

export interface PlacementMetrics {
  /** The model's classes as last planned: 1 for those on CPU fallback, else 0; classes no longer planned lose their series. */
  placed(namespace: string, model: string, fallbackByClass: ReadonlyMap<string, boolean>): void;
  /** Drops a deleted model's series. */
  forget(namespace: string, model: string): void;
  /** Models the capacity ledger planned in one settle, to keep every placement in model order. */
  capacityReplans(count: number): void;
}

/**
 * edgefleet_placement_cpu_fallback, read by the EdgefleetCPUFallbackActive alert, and the capacity
 * ledger's planning work, which shows what capacity accounting costs the operator.
 */
function placementMetrics(registry: Registry): PlacementMetrics {
  const replans = new Counter({
    name: "edgefleet_placement_capacity_replans_total",
    help: "Models the capacity ledger planned to keep each model's placement in line with what older models take (all models when it rebuilds)",
    registers: [registry],
  });
  const fallback = new Gauge({
    name: "edgefleet_placement_cpu_fallback",
    help: "1 while a hardware class runs the model on its CPU although it has an accelerator the model's acceleratorPreference ranks ahead, else 0",
    labelNames: ["namespace", "model", "hardware_class"],
    registers: [registry],
  });
  // Model key -> the classes it has series for, so a class that leaves the plan loses its series.
  const classes = new Map<string, Set<string>>();
  const forget = (namespace: string, model: string, keep: ReadonlyMap<string, boolean> = new Map()) => {
    const key = `${namespace}/${model}`;
    for (const hardware_class of classes.get(key) ?? [])
      if (!keep.has(hardware_class)) fallback.remove({ namespace, model, hardware_class });
    if (keep.size) classes.set(key, new Set(keep.keys()));
    else classes.delete(key);
  };
  return {
    placed(namespace, model, fallbackByClass) {
      forget(namespace, model, fallbackByClass);
      for (const [hardware_class, on] of fallbackByClass) fallback.set({ namespace, model, hardware_class }, on ? 1 : 0);
    },
    forget: (namespace, model) => forget(namespace, model),
    capacityReplans: (count) => replans.inc(count),
  };
}

export interface RolloutMetrics {
  /** The model's current phase (1 on its series, 0 on the others) and step percent. */
  state(namespace: string, model: string, phase: string, percent: number): void;
  /** The nodes the model is placed on now, each once; series of nodes no longer placed so (or moved) go. */
  assigned(namespace: string, model: string, nodes: readonly NodeAssignment[]): void;
  decided(namespace: string, model: string, decision: string): void;
  analysed(seconds: number): void;
  /** Drops a deleted model's series, so they stay bounded by the models that exist. */
  forget(namespace: string, model: string): void;
}

/** The rollout engine's families, named by the metric contract (docs/rollouts.md). */
function rolloutMetrics(registry: Registry, phases: readonly string[], decisions: readonly string[]): RolloutMetrics {
  const phase = new Gauge({
    name: "edgefleet_rollout_phase",
    help: "1 for the rollout's current phase (Progressing, Paused, Analysing, Promoted, RolledBack, Failed), else 0",
    labelNames: ["namespace", "model", "phase"],
    registers: [registry],
  });
  const step = new Gauge({
    name: "edgefleet_rollout_step",
    help: "Percent of each hardware class's nodes the rollout's current step puts on the new version",
    labelNames: ["namespace", "model"],
    registers: [registry],
  });
  const decided = new Counter({
    name: "edgefleet_rollout_decisions_total",
    help: "Rollout decisions after analyses and manual actions, once written to status: continue, promote, rollback or inconclusive",
    labelNames: ["namespace", "model", "decision"],
    registers: [registry],
  });
  const analysis = new Histogram({
    name: "edgefleet_rollout_analysis_duration_seconds",
    help: "Time one rollout analysis took, queries to the metrics source included",
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  // Rollout analysis counts a node's samples of a version only where this series says the
  // operator placed that version: a node certificate cannot vouch for versions it was not given.
  const assignment = new Gauge({
    name: "edgefleet_rollout_assignment",
    help: "1 for each node the operator placed a model in a rollout on, with the version (and track: stable or canary) the node runs",
    labelNames: ["namespace", "model", "version", "node", "track"],
    registers: [registry],
  });
  // Model key -> its assignment series' labels, so a node that moves or leaves loses its old series.
  const assigned = new Map<string, Map<string, { namespace: string; model: string; version: string; node: string; track: string }>>();
  const unassign = (namespace: string, model: string, keep: ReadonlySet<string> = new Set()) => {
    const key = `${namespace}/${model}`;
    for (const [id, labels] of assigned.get(key) ?? []) if (!keep.has(id)) assignment.remove(labels);
  };
  return {
    state(namespace, model, current, percent) {
      for (const p of phases) phase.set({ namespace, model, phase: p }, p === current ? 1 : 0);
      step.set({ namespace, model }, percent);
    },
    decided(namespace, model, decision) {
      decided.inc({ namespace, model, decision });
    },
    assigned(namespace, model, nodes) {
      const now = new Map(
        nodes.map(({ node, track, version }) => [`${node}/${track}/${version}`, { namespace, model, version, node, track }] as const),
      );
      unassign(namespace, model, new Set(now.keys()));
      for (const labels of now.values()) assignment.set(labels, 1);
      const key = `${namespace}/${model}`;
      if (now.size) assigned.set(key, now);
      else assigned.delete(key);
    },
    analysed(seconds) {
      analysis.observe(seconds);
    },
    forget(namespace, model) {
      unassign(namespace, model);
      assigned.delete(`${namespace}/${model}`);
      for (const p of phases) phase.remove({ namespace, model, phase: p });
      step.remove({ namespace, model });
      for (const decision of decisions) decided.remove({ namespace, model, decision });
    },
  };
}

export interface OperatorMetricsOptions {
  /** The controller's name: the controller and queue label of its families. */
  readonly controller: string;
  /** Its concurrent reconciles. */
  readonly workers: number;
  /** Work in progress on its queue, read at scrape time. */
  readonly inProgress: () => { totalSeconds: number; longestSeconds: number };
}

/** What the controller records: its reconciles, its queue, its informers and what its reconciles decided. */
export interface ControllerRecorders {
  readonly controller: ControllerMetrics;
  readonly workQueue: WorkQueueMetrics;
  readonly informers: InformerMetrics;
  readonly outcomes: (outcome: string) => void;
  readonly rollouts: RolloutMetrics;
  readonly placement: PlacementMetrics;
}

export type BuildResult = "succeeded" | "failed";

/** How a published build's version ended on the fleet: the RolledOut condition's decided reasons. */
export const ROLLOUT_OUTCOMES = ["Promoted", "RolledBack", "RolloutHeld", "Superseded"] as const;
export type RolloutOutcome = (typeof ROLLOUT_OUTCOMES)[number];

export interface BuildMetrics {
  /** A build's Job ended and its status was written: how, how long it ran, and each target's verdict. */
  ended(result: BuildResult, seconds: number | undefined, targets: readonly { target: string; verdict: string }[]): void;
  /** A published build's version reached its outcome on the fleet (its RolledOut reason). */
  rolledOut(outcome: RolloutOutcome): void;
}

/** The build controller's families (docs/model-builds.md); labels bounded by the build's targets and verdicts. */
function buildMetrics(registry: Registry): BuildMetrics {
  const builds = new Counter({
    name: "edgefleet_build_jobs_total",
    help: "Build Jobs that ended, by result: succeeded (measured, each target built or refused) or failed",
    labelNames: ["result"],
    registers: [registry],
  });
  const targets = new Counter({
    name: "edgefleet_build_targets_total",
    help: "Targets of ended builds, by target and verdict: Built or Refused (over the accuracy budget)",
    labelNames: ["target", "verdict"],
    registers: [registry],
  });
  const duration = new Histogram({
    name: "edgefleet_build_duration_seconds",
    help: "Time from a build Job's start to its end",
    buckets: [10, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200],
    registers: [registry],
  });
  const rollouts = new Counter({
    name: "edgefleet_build_rollouts_total",
    help: "Versions published by builds whose rollout reached an outcome, by outcome: Promoted, RolledBack, RolloutHeld or Superseded",
    labelNames: ["outcome"],
    registers: [registry],
  });
  for (const outcome of ROLLOUT_OUTCOMES) rollouts.inc({ outcome }, 0);
  for (const result of ["succeeded", "failed"]) builds.inc({ result }, 0);
  for (const target of BUILD_TARGETS) for (const verdict of TARGET_VERDICTS) targets.inc({ target, verdict }, 0);
  return {
    ended(result, seconds, ended) {
      builds.inc({ result });
      if (seconds !== undefined) duration.observe(seconds);
      for (const t of ended) targets.inc({ target: t.target, verdict: t.verdict });
    },
    rolledOut(outcome) {
      rollouts.inc({ outcome });
    },
  };
}

/** The FederatedTraining controller's name: its controller and queue label. */
export const FEDERATED_CONTROLLER = "federatedtraining";

/** A second controller's reconcile and queue recorders, on the families the first registered. */
export interface QueueRecorders {
  readonly controller: ControllerMetrics;
  readonly workQueue: WorkQueueMetrics;
}

export interface OperatorMetrics extends ControllerRecorders {
  readonly federated: FederatedMetrics;
  /** The FederatedTraining controller's recorders; its inProgress is read at scrape time. */
  readonly federatedController: (workers: number, inProgress: () => { totalSeconds: number; longestSeconds: number }) => QueueRecorders;
  readonly kubeClient: RequestObserver;
  readonly events: (reason: string, result: string) => void;
  readonly leader: (leading: boolean) => void;
  readonly assignments: (result: PublishResult) => void;
  /** What the EdgeModelBuild controller's builds did. */
  readonly builds: BuildMetrics;
  /** The EdgeModelBuild controller's recorders; its inProgress is read at scrape time. */
  readonly buildController: (workers: number, inProgress: () => { totalSeconds: number; longestSeconds: number }) => QueueRecorders;
}

/**
 * Every family the operator exports, registered once with its labels at zero, as controller-runtime
 * does. The operator, the dashboards' lint and the SRE kit's exporter all call this one function,
 * so what the lint checks is what the operator serves.
 */
export function operatorMetrics(registry: Registry, options: OperatorMetricsOptions): OperatorMetrics {
  processMetrics(registry);
  return {
    controller: controllerMetrics(registry, options.controller, options.workers),
    workQueue: workQueueMetrics(registry, options.controller, options.inProgress),
    informers: informerMetrics(registry),
    outcomes: reconcileOutcomes(registry),
    rollouts: rolloutMetrics(registry, ROLLOUT_PHASES, ROLLOUT_DECISIONS),
    placement: placementMetrics(registry),
    federated: federatedMetrics(registry),
    federatedController: (workers, inProgress) => ({
      controller: controllerMetrics(registry, FEDERATED_CONTROLLER, workers),
      workQueue: workQueueMetrics(registry, FEDERATED_CONTROLLER, inProgress),
    }),
    kubeClient: kubeClientMetrics(registry),
    events: eventMetrics(registry),
    leader: leaderMetrics(registry),
    assignments: assignmentMetrics(registry),
    builds: buildMetrics(registry),
    buildController: (workers, inProgress) => ({
      controller: controllerMetrics(registry, BUILD_CONTROLLER_NAME, workers),
      workQueue: workQueueMetrics(registry, BUILD_CONTROLLER_NAME, inProgress),
    }),
  };
}
