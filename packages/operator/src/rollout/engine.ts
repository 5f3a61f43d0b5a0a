import type { EdgeModel, EdgeRuntime, RolloutDecision, RolloutStatus } from "@edgefleet/api";
import { type Clock, inSpan, systemClock } from "@edgefleet/kit";
import type { V1ControllerRevision, V1DaemonSet, V1Node } from "@kubernetes/client-node";
import { type Tracer, trace } from "@opentelemetry/api";
import type { EventNote } from "../controller/events.js";
import type { RolloutMetrics } from "../observe/metrics.js";
import type { Verifier } from "../planner/artifact-volume.js";
import type { Capacity } from "../planner/capacity.js";
import type { WorkloadObservation } from "../planner/conditions.js";
import { namedNodes } from "../planner/daemonset.js";
import { type Plan, plan } from "../planner/plan.js";
import type { TrustedSignatures } from "../planner/trust.js";
import { type AnalysisRequest, analyse } from "./analysis.js";
import { ACTIVE_PHASES, type AnalysisOutcome, advance, analysisDue, begin, type RevisionRef } from "./decide.js";
import type { MetricsSource } from "./metrics-source.js";
import { atRevision, type CachedRevision, desiredRevision, type Revision, readRevision, revisionOfSpec } from "./revisions.js";
import { type RolloutSettings, rolloutSettings } from "./settings.js";
import { ROLLOUT_LABELS, type RolloutAction } from "./vocabulary.js";
import { type ClassProgress, desiredWorkloads } from "./workloads.js";

export interface RolloutEngineOptions {
  /** Where analysis reads metrics; without one, steps advance on their pause alone and status says so. */
  source: MetricsSource | undefined;
  /** Time between two analyses of a step. */
  intervalMs: number;
  metrics: RolloutMetrics;
  /** How every runtime pod verifies its artifact. */
  verifier?: Verifier;
  /** Where planning and analysis spans go (default: the global tracer provider's). */
  tracer?: Tracer;
  /** Times each analysis for the metrics. */
  clock?: Clock;
}

export interface RolloutInput {
  model: EdgeModel;
  runtimes: readonly EdgeRuntime[];
  nodes: readonly V1Node[];
  /** What older models' placements take (see CapacityLedger); both versions are planned with it. */
  capacity?: Capacity;
  /** The spec's plan, when the capacity ledger made it from this very model object. */
  targetPlan?: Plan;
  /** The model's ControllerRevisions as cached. */
  revisions: readonly CachedRevision[];
  /** The stable revision as the model's workloads carry it, when no ControllerRevision holds it (before a first rollout). */
  stableFromWorkloads?: Revision;
  /** The DaemonSets as cached, to read which nodes the canary ones run on. */
  daemonSets: readonly V1DaemonSet[];
  action: RolloutAction | undefined;
  /** The public keys the trust policies allow for the model (planner/trust.ts); unset without a policy. */
  trust?: TrustedSignatures;
  /** Applies DaemonSets and reports what each now says of its rollout. */
  apply: (daemonSets: V1DaemonSet[]) => Promise<WorkloadObservation[]>;
  now: Date;
}

export interface RolloutRun {
  rollout: RolloutStatus;
  stableVersion: string;
  /** The plan of the spec as it is (placements and Degraded report on it). */
  plan: Plan;
  daemonSets: V1DaemonSet[];
  workloads: WorkloadObservation[];
  revisions: V1ControllerRevision[];
  events: EventNote[];
  /** The decisions taken; counted (recorded) once the status holding them is written. */
  decisions: RolloutDecision[];
  requeueAfterMs?: number;
}

/** Revisions kept per model, stable and target included, like a DaemonSet's revisionHistoryLimit. */
export const REVISION_HISTORY = 5;

const ref = (r: Revision): RevisionRef => ({ name: r.name, version: r.data.version });

/**
 * Runs one model's rollout for a reconcile: settles the spec and any manual action, applies the
 * workloads of the resulting step, then analyses the step when due and, if that moves the
 * rollout (next step, promotion, rollback), applies the workloads again.
 */
export class RolloutEngine {
  readonly #o: RolloutEngineOptions;
  readonly #clock: Clock;

  readonly #tracer: Tracer;

  constructor(options: RolloutEngineOptions) {
    this.#o = options;
    this.#clock = options.clock ?? systemClock;
    this.#tracer = options.tracer ?? trace.getTracer("@edgefleet/operator");
  }

  /** The placement of one version of the model on the fleet, in a span of its own. */
  #plan(model: EdgeModel, input: RolloutInput): Plan {
    const attributes = { "edgefleet.version": model.spec.version, "edgefleet.nodes": input.nodes.length };
    const capacity = input.capacity ? { capacity: input.capacity } : {};
    return inSpan(this.#tracer, "plan", { attributes }, () => plan({ model, runtimes: input.runtimes, nodes: input.nodes, ...capacity }));
  }

  get analysisEnabled(): boolean {
    return this.#o.source !== undefined;
  }

  async run(input: RolloutInput): Promise<RolloutRun> {
    const { model, now } = input;
    const settings = rolloutSettings(model.spec);
    const target = revisionOfSpec(model);
    const known = new Map(input.revisions.flatMap((cr) => (readRevision(cr) ? [[cr.metadata.name ?? "", cr] as const] : [])));
    const stableName = model.status?.rollout?.stableRevision;
    const stableCr = stableName === target.name ? undefined : stableName ? known.get(stableName) : undefined;
    const recovered = input.stableFromWorkloads?.name === stableName ? input.stableFromWorkloads : undefined;
    const stable = stableName === target.name ? target : stableCr ? readRevision(stableCr) : recovered;
    const events: EventNote[] = [];
    if (stableName && !stable) {
      events.push({
        type: "Warning",
        reason: "StableRevisionMissing",
        note: `neither a ControllerRevision nor a workload holds ${stableName}, the stable version: ${target.data.version} is taken as stable without a rollout`,
      });
    }

    const begun = begin({
      previous: model.status?.rollout,
      stable: stable && ref(stable),
      target: ref(target),
      settings,
      action: input.action,
      now,
    });
    events.push(...begun.events);
    const decisions: RolloutDecision[] = begun.decision ? [begun.decision] : [];
    const revisionFor = (name: string) => (name === target.name ? target : (stable ?? target));

    const targetPlan = input.targetPlan ?? this.#plan(model, input);
    const layout = (r: RolloutStatus) => {
      const stableRev = revisionFor(r.stableRevision);
      const stableModel = atRevision(model, stableRev);
      const stablePlan = stableRev.name === target.name ? targetPlan : this.#plan(stableModel, input);
      const active = ACTIVE_PHASES.has(r.phase) && r.targetRevision !== r.stableRevision;
      return desiredWorkloads({
        stable: { model: stableModel, plan: stablePlan },
        ...(active ? { canary: { model, plan: targetPlan, percent: r.percent } } : {}),
        previousCanaries: (cls) => canariesOf(input.daemonSets, cls),
        ...(this.#o.verifier === undefined ? {} : { verifier: this.#o.verifier }),
        trust: input.trust,
      });
    };

    let rollout = begun.rollout;
    let wanted = layout(rollout);
    let workloads = await input.apply(wanted.daemonSets);
    let requeueAfterMs = begun.requeueAfterMs;
    if (ACTIVE_PHASES.has(rollout.phase) && rollout.targetRevision !== rollout.stableRevision && stable) {
      const canaries = wanted.daemonSets.flatMap((ds, i) =>
        ds.metadata?.labels?.[ROLLOUT_LABELS.track] === "canary" ? [workloads[i]] : [],
      );
      const canaryReady = canaries.length > 0 && canaries.every((w) => w?.rolledOut);
      const base = { rollout, stable: ref(stable), settings, canaryReady, intervalMs: this.#o.intervalMs, now };
      const stepSeconds = (now.getTime() - Date.parse(rollout.stepStartedAt)) / 1000;
      const analysis = analysisDue(base)
        ? await inSpan(
            this.#tracer,
            "analysis",
            { attributes: { "edgefleet.step": rollout.step, "edgefleet.version": target.data.version } },
            () => this.#analyse(model, settings, stable, target, targetPlan, wanted.progress, stepSeconds),
          )
        : undefined;
      const next = advance({ ...base, analysis });
      events.push(...next.events);
      if (next.decision) decisions.push(next.decision);
      requeueAfterMs = next.requeueAfterMs;
      const moved = next.rollout.percent !== rollout.percent || next.rollout.phase !== rollout.phase;
      rollout = next.rollout;
      if (moved) {
        wanted = layout(rollout);
        workloads = await input.apply(wanted.daemonSets);
      }
    }

    const { namespace = "", name = "" } = model.metadata;
    this.#o.metrics.state(namespace, name, rollout.phase, rollout.phase === "RolledBack" ? 0 : rollout.percent);
    const inRollout = ACTIVE_PHASES.has(rollout.phase) && rollout.targetRevision !== rollout.stableRevision;
    // Only analysis reads the assignment, and only during a rollout: a settled fleet of 10,000
    // models on 125 nodes each would otherwise hold 1.25 million series in the operator's memory.
    this.#o.metrics.assigned(namespace, name, inRollout ? wanted.assignments : []);
    const stableRev = revisionFor(rollout.stableRevision);
    return {
      rollout: withProgress(rollout, inRollout ? wanted.progress : undefined),
      stableVersion: stableRev.data.version,
      plan: targetPlan,
      daemonSets: wanted.daemonSets,
      workloads,
      revisions: this.#revisions(
        model,
        input.revisions,
        rollout.stableRevision === rollout.targetRevision ? [stableRev] : [stableRev, target],
      ),
      events,
      decisions,
      ...(requeueAfterMs !== undefined ? { requeueAfterMs } : {}),
    };
  }

  /**
   * Counts a run's decisions once the status recording them is written: a run whose write failed
   * is run again, and its decision would otherwise count twice.
   */
  recorded(model: EdgeModel, decisions: readonly RolloutDecision[]): void {
    const { namespace = "", name = "" } = model.metadata;
    for (const d of decisions) this.#o.metrics.decided(namespace, name, d);
  }

  async #analyse(
    model: EdgeModel,
    settings: RolloutSettings,
    stable: Revision,
    target: Revision,
    targetPlan: Plan,
    progress: ClassProgress[],
    stepSeconds: number,
  ): Promise<AnalysisOutcome> {
    const source = this.#o.source;
    if (!source) {
      return {
        verdict: "Skipped",
        message: "analysis disabled (the operator has no --prometheus-url): the step advances on its pause alone",
      };
    }
    const request: AnalysisRequest = {
      namespace: model.metadata.namespace ?? "",
      model: model.metadata.name ?? "",
      stableVersion: stable.data.version,
      canaryVersion: target.data.version,
      classes: progress.filter((p) => p.updated > 0).map((p) => p.hardwareClass),
      settings,
      slo: model.spec.slo,
      stepSeconds,
      variantAccuracy: new Map(
        model.spec.variants.flatMap((v) => (v.profile?.accuracy ? [[v.name, v.profile.accuracy.percent] as const] : [])),
      ),
      scoredVariants: new Map(
        targetPlan.classes.flatMap((c) =>
          c.placed && c.choice.variant.profile?.accuracy?.evaluation?.uri ? [[c.hardwareClass, c.choice.variant.name] as const] : [],
        ),
      ),
    };
    const started = this.#clock.now();
    try {
      return await analyse(source, request);
    } finally {
      this.#o.metrics.analysed((this.#clock.now() - started) / 1000);
    }
  }

  /**
   * The snapshots to keep: during a rollout (or after its rollback) the stable and the spec's
   * revisions, created when new and numbered after the newest; otherwise the stable one only if
   * it exists already, since the workloads carry it; and the most recent others up to
   * REVISION_HISTORY. Keeping the previous stable one past a promotion also covers a reconcile
   * that still reads the status from before it.
   */
  #revisions(model: EdgeModel, cached: readonly CachedRevision[], needed: Revision[]): V1ControllerRevision[] {
    let next = Math.max(0, ...cached.map((cr) => cr.revision ?? 0));
    const number = new Map(cached.map((cr) => [cr.metadata.name ?? "", cr.revision ?? 0]));
    const keep = needed.length > 1 ? needed : needed.filter((r) => number.has(r.name));
    const wanted = new Map(keep.map((r) => [r.name, r]));
    const history = cached
      .filter((cr) => !wanted.has(cr.metadata.name ?? ""))
      .sort((a, b) => (b.revision ?? 0) - (a.revision ?? 0))
      .slice(0, Math.max(0, REVISION_HISTORY - wanted.size))
      .flatMap((cr) => readRevision(cr) ?? []);
    return [...wanted.values(), ...history].map((r) => desiredRevision(model, r, number.get(r.name) ?? ++next));
  }
}

function withProgress(r: RolloutStatus, progress: ClassProgress[] | undefined): RolloutStatus {
  const { classes: _c, ...rest } = r;
  return progress ? { ...rest, classes: progress } : rest;
}

/** The nodes a class's canary DaemonSet runs on: those its affinity names, all when it names none, none without one. */
export function canariesOf(daemonSets: readonly V1DaemonSet[], hardwareClass: string): readonly string[] | "all" {
  const ds = daemonSets.find(
    (d) => d.metadata?.labels?.[ROLLOUT_LABELS.track] === "canary" && d.metadata.labels["edgefleet.io/hardware-class"] === hardwareClass,
  );
  if (!ds) return [];
  return namedNodes(ds) ?? "all";
}
