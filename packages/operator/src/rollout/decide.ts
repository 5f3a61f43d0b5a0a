import type { AnalysisStatus, RolloutDecision, RolloutPhase, RolloutStatus } from "@edgefleet/api";
import { kubeTime } from "@edgefleet/kube";
import type { EventNote } from "../controller/events.js";
import type { RolloutSettings } from "./settings.js";
import { DECISIVE_CHECKS, type RolloutAction } from "./vocabulary.js";

/*
 * The rollout's state machine, as pure functions of the state in status, the spec, the clock and
 * what was observed. begin() settles what the spec and a manual action ask for (a new rollout, a
 * promotion, an abort) before the workloads are applied; advance() then moves the rollout on from
 * what the workloads and the analysis report. Everything they need to resume is in the returned
 * status, so an operator restart picks the rollout up where it was.
 */

/** A revision as the state machine sees it. */
export interface RevisionRef {
  name: string;
  version: string;
}

export const ACTIVE_PHASES: ReadonlySet<RolloutPhase> = new Set(["Progressing", "Analysing", "Paused", "Failed"]);

/** An analysis without its time: what the analysis module reports. */
export type AnalysisOutcome = Omit<AnalysisStatus, "time">;

export interface Step {
  rollout: RolloutStatus;
  /** The decision taken in this step, for the decisions metric; none while waiting. */
  decision?: RolloutDecision;
  events: EventNote[];
  /** When to look again although nothing may have changed (the pause ends, the next analysis is due). */
  requeueAfterMs?: number;
}

export interface BeginInput {
  previous: RolloutStatus | undefined;
  /** The last good revision, when status names one that still exists. */
  stable: RevisionRef | undefined;
  /** The revision of the spec as it is now. */
  target: RevisionRef;
  settings: RolloutSettings;
  action: RolloutAction | undefined;
  now: Date;
}

const lastStep = (s: RolloutSettings) => s.steps.length - 1;
const percentAt = (s: RolloutSettings, step: number) => s.steps[Math.min(step, lastStep(s))] ?? 100;

function settled(target: RevisionRef, settings: RolloutSettings, phase: RolloutPhase, reason: string, now: Date): RolloutStatus {
  return {
    phase,
    stableRevision: target.name,
    targetRevision: target.name,
    targetVersion: target.version,
    step: lastStep(settings),
    percent: 100,
    stepStartedAt: kubeTime(now),
    failures: 0,
    inconclusive: 0,
    reason,
  };
}

function started(stable: RevisionRef, target: RevisionRef, settings: RolloutSettings, now: Date, why: string): RolloutStatus {
  return {
    phase: "Progressing",
    stableRevision: stable.name,
    targetRevision: target.name,
    targetVersion: target.version,
    step: 0,
    percent: percentAt(settings, 0),
    stepStartedAt: kubeTime(now),
    failures: 0,
    inconclusive: 0,
    reason: `${why}: ${target.version} goes to ${percentAt(settings, 0)}% of each hardware class's nodes, then ${settings.steps.slice(1).join("%, ")}${settings.steps.length > 1 ? "%" : ""}`,
  };
}

function rolledBack(r: RolloutStatus, stable: RevisionRef, reason: string, now: Date): RolloutStatus {
  const { decision: _d, ...rest } = r;
  return { ...rest, phase: "RolledBack", percent: 0, stepStartedAt: kubeTime(now), reason: `rolled back to ${stable.version}: ${reason}` };
}

function promoted(r: RolloutStatus, settings: RolloutSettings, reason: string, now: Date): RolloutStatus {
  return {
    ...r,
    phase: "Promoted",
    stableRevision: r.targetRevision,
    step: lastStep(settings),
    percent: 100,
    stepStartedAt: kubeTime(now),
    reason,
  };
}

/**
 * Settles what the spec and a manual action ask for: adopting a first version, starting (or
 * restarting) a rollout when the spec names a new revision, promote, abort and resume. The result
 * fixes which nodes run which version while the workloads are applied.
 */
export function begin({ previous, stable, target, settings, action, now }: BeginInput): Step {
  // A first version (or one whose stable snapshot is gone) has nothing to roll out from.
  if (!stable || !previous) {
    const reason = stable
      ? `${target.version} runs everywhere`
      : `${target.version} placed directly: there is no earlier version to roll out from`;
    return { rollout: settled(target, settings, "Promoted", reason, now), events: [] };
  }
  const events: EventNote[] = [];
  if (target.name === stable.name) {
    if (previous.targetRevision !== stable.name && ACTIVE_PHASES.has(previous.phase)) {
      const reason = `spec.version and spec.variants are back at the stable revision (${stable.version})`;
      const rollout = { ...rolledBack(previous, stable, reason, now), targetRevision: stable.name, targetVersion: stable.version };
      return { rollout, decision: "rollback", events: [{ type: "Normal", reason: "RolledBack", note: rollout.reason }] };
    }
    if (action) events.push(ignored(action, `no rollout in progress: ${stable.version} is the stable version`));
    const steady =
      previous.targetRevision === stable.name ? previous : { ...previous, targetRevision: stable.name, targetVersion: stable.version };
    return { rollout: steady, events };
  }

  let r = previous;
  if (previous.targetRevision !== target.name) {
    r = started(stable, target, settings, now, `new revision ${target.version} (stable: ${stable.version})`);
    events.push({ type: "Normal", reason: "RolloutStarted", note: r.reason });
  }
  switch (action) {
    case "abort":
      if (r.phase === "RolledBack") {
        events.push(ignored(action, "the rollout was already rolled back"));
        break;
      }
      r = rolledBack(r, stable, `aborted by the ${action} annotation`, now);
      events.push({ type: "Warning", reason: "RolledBack", note: r.reason });
      return { rollout: r, decision: "rollback", events };
    case "promote":
      r = promoted(r, settings, `${r.targetVersion} promoted by the ${action} annotation at step ${r.step} (${r.percent}%)`, now);
      events.push({ type: "Normal", reason: "Promoted", note: r.reason });
      return { rollout: r, decision: "promote", events };
    case "resume":
      if (r.phase === "RolledBack") {
        r = started(stable, target, settings, now, `${target.version} retried by the resume annotation`);
        events.push({ type: "Normal", reason: "RolloutStarted", note: r.reason });
      } else if (r.phase === "Failed") {
        r = {
          ...r,
          phase: "Analysing",
          failures: 0,
          inconclusive: 0,
          reason: `resumed at step ${r.step} (${r.percent}%) by the resume annotation`,
        };
        events.push({ type: "Normal", reason: "RolloutResumed", note: r.reason });
      } else events.push(ignored(action, `the rollout is ${r.phase}, not held or rolled back`));
      break;
    default:
  }
  return { rollout: r, events };
}

function ignored(action: RolloutAction, why: string): EventNote {
  return { type: "Normal", reason: "RolloutActionIgnored", note: `${action}: ${why}` };
}

export interface AdvanceInput {
  rollout: RolloutStatus;
  stable: RevisionRef;
  settings: RolloutSettings;
  /** Every node of the current step runs the new version and is ready. */
  canaryReady: boolean;
  /** The analysis run for this reconcile, when analysisDue() said one was due. */
  analysis: AnalysisOutcome | undefined;
  intervalMs: number;
  now: Date;
}

/**
 * Whether an analysis should run now: the last one is an interval old, and the step's nodes are
 * ready with its pause over. Before they are ready, too, but then only its decisive checks count
 * (see advance): a node that refused the new artifact never becomes ready.
 */
export function analysisDue(i: Omit<AdvanceInput, "analysis">): boolean {
  const r = i.rollout;
  if ((r.phase !== "Progressing" && r.phase !== "Analysing") || i.settings.paused) return false;
  if (i.canaryReady && i.now.getTime() < Date.parse(r.stepStartedAt) + i.settings.pauseSeconds * 1000) return false;
  return nextAnalysisIn(r, i.intervalMs, i.settings, i.now) <= 0;
}

/** A failed check that rolls back at once, whatever maxFailures allows (vocabulary.ts). */
const decisive = (a: AnalysisOutcome | undefined) => a?.checks?.some((c) => !c.passed && DECISIVE_CHECKS.has(c.name)) === true;

/**
 * How long after the last analysis the next one is due: an interval, but a whole window after a
 * counted failure. Analyses an interval apart share most of their window's samples, so one slow
 * answer would fail each in turn and "maxFailures in a row" would roll a good version back on a
 * single outlier; after a failure the next verdict rests on samples the failed one never saw.
 */
function analysisGapMs(r: RolloutStatus, intervalMs: number, s: RolloutSettings): number {
  return r.failures > 0 && r.lastAnalysis?.verdict === "Fail" ? Math.max(intervalMs, s.windowSeconds * 1000) : intervalMs;
}

function nextAnalysisIn(r: RolloutStatus, intervalMs: number, s: RolloutSettings, now: Date): number {
  const last = r.lastAnalysis ? Date.parse(r.lastAnalysis.time) : Number.NaN;
  if (!(last >= Date.parse(r.stepStartedAt))) return 0;
  return last + analysisGapMs(r, intervalMs, s) - now.getTime();
}

/**
 * Moves an active rollout on: holds it while paused, waits for the step's nodes and its pause,
 * then acts on the analysis: a pass advances a step (or promotes after the last), a failure
 * counts (the next analysis waits a window, see analysisGapMs), and one more than
 * analysis.maxFailures in a row rolls back (a decisive check, such as
 * a refused artifact, at once); an inconclusive analysis (the metrics source failed, or a power
 * or temperature limit has no reading) never passes, and one more than analysis.maxInconclusive in a row holds the rollout (Failed)
 * until a manual action.
 */
export function advance(i: AdvanceInput): Step {
  const { stable, settings: s, now } = i;
  let r = i.rollout;
  if (!ACTIVE_PHASES.has(r.phase) || r.phase === "Failed") return { rollout: r, events: [] };
  const at = `step ${r.step} (${r.percent}%)`;
  if (s.paused) {
    if (r.phase === "Paused") return { rollout: r, events: [] };
    r = { ...r, phase: "Paused", reason: `paused at ${at}: spec.rollout.paused is true` };
    return { rollout: r, events: [{ type: "Normal", reason: "RolloutPaused", note: r.reason }] };
  }
  const events: EventNote[] = [];
  if (r.phase === "Paused") {
    r = { ...r, phase: "Progressing", reason: `unpaused at ${at}` };
    events.push({ type: "Normal", reason: "RolloutResumed", note: r.reason });
  }
  const wait = (reason: string, ms: number): Step => ({
    rollout: { ...r, reason },
    events,
    requeueAfterMs: Math.max(1, Math.min(ms, i.intervalMs)),
  });
  const rollBack = (failures: number, why: string, analysis: AnalysisOutcome): Step => {
    const back = rolledBack(
      { ...r, failures, lastAnalysis: { time: kubeTime(now), ...analysis } },
      stable,
      `${why} at ${at}: ${analysis.message}`,
      now,
    );
    return { rollout: back, decision: "rollback", events: [...events, { type: "Warning", reason: "RolledBack", note: back.reason }] };
  };
  if (!i.canaryReady) {
    // Recorded, so the next one waits an interval however often pod events bring reconciles.
    if (i.analysis) r = { ...r, lastAnalysis: { time: kubeTime(now), ...i.analysis } };
    // On a real node a refused artifact keeps the runtime's init container failing: its pod is never ready.
    if (i.analysis && decisive(i.analysis))
      return rollBack(r.failures + 1, "analysis failed while the step's nodes were not ready", i.analysis);
    return wait(`${at}: waiting for the step's nodes to run ${r.targetVersion} and be ready`, i.intervalMs);
  }
  const pauseEnd = Date.parse(r.stepStartedAt) + s.pauseSeconds * 1000;
  if (now.getTime() < pauseEnd) {
    const left = pauseEnd - now.getTime();
    return {
      rollout: { ...r, phase: "Progressing", reason: `${at}: pausing ${Math.ceil(left / 1000)}s before analysis` },
      events,
      requeueAfterMs: left,
    };
  }
  if (!i.analysis) {
    return { rollout: { ...r, phase: "Analysing" }, events, requeueAfterMs: Math.max(1, nextAnalysisIn(r, i.intervalMs, s, now)) };
  }
  const lastAnalysis: AnalysisStatus = { time: kubeTime(now), ...i.analysis };
  r = { ...r, phase: "Analysing", lastAnalysis };
  const again = i.intervalMs;
  switch (i.analysis.verdict) {
    case "Wait":
      return { rollout: { ...r, reason: `${at}: ${i.analysis.message}` }, events, requeueAfterMs: again };
    case "Inconclusive": {
      const inconclusive = r.inconclusive + 1;
      if (inconclusive > s.maxInconclusive) {
        r = {
          ...r,
          phase: "Failed",
          inconclusive,
          reason: `held at ${at}: ${inconclusive} inconclusive analyses in a row (${i.analysis.message}); annotate resume, promote or abort`,
        };
        return { rollout: r, decision: "inconclusive", events: [...events, { type: "Warning", reason: "RolloutHeld", note: r.reason }] };
      }
      r = {
        ...r,
        inconclusive,
        reason: `${at}: analysis inconclusive (${inconclusive} of ${s.maxInconclusive} tolerated): ${i.analysis.message}`,
      };
      if (inconclusive === 1) events.push({ type: "Warning", reason: "AnalysisInconclusive", note: r.reason });
      return { rollout: r, decision: "inconclusive", events, requeueAfterMs: again };
    }
    case "Fail": {
      const failures = r.failures + 1;
      if (decisive(i.analysis) || failures > s.maxFailures)
        return rollBack(failures, decisive(i.analysis) ? "analysis failed" : `analysis failed ${failures} time(s) in a row`, i.analysis);
      const gapMs = analysisGapMs({ ...r, failures }, again, s);
      r = {
        ...r,
        failures,
        inconclusive: 0,
        reason: `${at}: analysis failed (${failures} of ${s.maxFailures} tolerated; the next one in ${gapMs / 1000}s, over new samples): ${i.analysis.message}`,
      };
      return {
        rollout: r,
        decision: "continue",
        events: [...events, { type: "Warning", reason: "AnalysisFailed", note: r.reason }],
        requeueAfterMs: gapMs,
      };
    }
    default: {
      const passed = `${at} passed: ${i.analysis.message}`;
      if (r.step >= lastStep(s)) {
        r = promoted(r, s, `${r.targetVersion} promoted: ${passed}`, now);
        return { rollout: r, decision: "promote", events: [...events, { type: "Normal", reason: "Promoted", note: r.reason }] };
      }
      const step = r.step + 1;
      r = { ...r, phase: "Progressing", step, percent: percentAt(s, step), stepStartedAt: kubeTime(now), failures: 0, inconclusive: 0 };
      r.reason = `${passed}; now at step ${step} (${r.percent}%)`;
      return {
        rollout: r,
        decision: "continue",
        events: [...events, { type: "Normal", reason: "StepAdvanced", note: r.reason }],
        requeueAfterMs: Math.max(1, s.pauseSeconds * 1000),
      };
    }
  }
}
