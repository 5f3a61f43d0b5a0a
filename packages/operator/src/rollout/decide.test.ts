import type { RolloutStatus } from "@edgefleet/api";
import { describe, expect, it } from "vitest";
import { type AdvanceInput, type AnalysisOutcome, advance, analysisDue, begin, type RevisionRef } from "./decide.js";
import { DEFAULT_SETTINGS, type RolloutSettings } from "./settings.js";

const V1: RevisionRef = { name: "m-rev-1", version: "1.0" };
const V2: RevisionRef = { name: "m-rev-2", version: "2.0" };
const V3: RevisionRef = { name: "m-rev-3", version: "3.0" };
const T0 = new Date("2026-01-01T00:00:00Z");
const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000);
const settings: RolloutSettings = { ...DEFAULT_SETTINGS, steps: [10, 50, 100], pauseSeconds: 30, maxFailures: 1, maxInconclusive: 2 };
const PASS: AnalysisOutcome = { verdict: "Pass", message: "ok" };
const FAIL: AnalysisOutcome = { verdict: "Fail", message: "x86-cpu: p95 latency 0.2s > 0.1s" };
const WAIT: AnalysisOutcome = { verdict: "Wait", message: "too few samples" };
const INCONCLUSIVE: AnalysisOutcome = { verdict: "Inconclusive", message: "prometheus unreachable" };

/** A rollout from V1 to V2, just started at T0. */
function startedRollout(): RolloutStatus {
  const steady = begin({ previous: undefined, stable: undefined, target: V1, settings, action: undefined, now: T0 }).rollout;
  return begin({ previous: steady, stable: V1, target: V2, settings, action: undefined, now: T0 }).rollout;
}

const input = (rollout: RolloutStatus, over: Partial<AdvanceInput> = {}): AdvanceInput => ({
  rollout,
  stable: V1,
  settings,
  canaryReady: true,
  analysis: undefined,
  intervalMs: 10_000,
  now: at(31),
  ...over,
});

describe("begin", () => {
  it("places a first version directly: there is nothing to roll out from", () => {
    const { rollout, events } = begin({ previous: undefined, stable: undefined, target: V1, settings, action: undefined, now: T0 });
    expect(rollout).toMatchObject({ phase: "Promoted", stableRevision: V1.name, targetRevision: V1.name, percent: 100 });
    expect(events).toEqual([]);
  });

  it("starts a rollout at the first step when the spec names a new revision", () => {
    const r = startedRollout();
    expect(r).toMatchObject({
      phase: "Progressing",
      stableRevision: V1.name,
      targetRevision: V2.name,
      targetVersion: "2.0",
      step: 0,
      percent: 10,
    });
    expect(r.stepStartedAt).toBe("2026-01-01T00:00:00Z");
  });

  it("restarts at the first step for a newer revision mid-rollout, keeping the stable one", () => {
    const midway = { ...startedRollout(), step: 1, percent: 50 };
    const { rollout, events } = begin({ previous: midway, stable: V1, target: V3, settings, action: undefined, now: at(100) });
    expect(rollout).toMatchObject({ stableRevision: V1.name, targetRevision: V3.name, step: 0, percent: 10 });
    expect(events.map((e) => e.reason)).toEqual(["RolloutStarted"]);
  });

  it("rolls back when the spec returns to the stable revision mid-rollout", () => {
    const step = begin({ previous: startedRollout(), stable: V1, target: V1, settings, action: undefined, now: at(5) });
    expect(step.rollout).toMatchObject({ phase: "RolledBack", targetRevision: V1.name, stableRevision: V1.name });
    expect(step.decision).toBe("rollback");
  });

  it("promotes, aborts and resumes on the manual actions", () => {
    const r = startedRollout();
    const promote = begin({ previous: r, stable: V1, target: V2, settings, action: "promote", now: at(1) });
    expect(promote.rollout).toMatchObject({ phase: "Promoted", stableRevision: V2.name, percent: 100 });
    expect(promote.decision).toBe("promote");

    const abort = begin({ previous: r, stable: V1, target: V2, settings, action: "abort", now: at(1) });
    expect(abort.rollout).toMatchObject({ phase: "RolledBack", stableRevision: V1.name, targetRevision: V2.name, percent: 0 });
    expect(abort.decision).toBe("rollback");

    // Resume retries a rolled-back revision from its first step...
    const retry = begin({ previous: abort.rollout, stable: V1, target: V2, settings, action: "resume", now: at(2) });
    expect(retry.rollout).toMatchObject({ phase: "Progressing", step: 0, percent: 10 });
    // ...and releases a held one at its step, with fresh counters.
    const held = { ...r, phase: "Failed" as const, step: 1, percent: 50, inconclusive: 3 };
    const released = begin({ previous: held, stable: V1, target: V2, settings, action: "resume", now: at(2) });
    expect(released.rollout).toMatchObject({ phase: "Analysing", step: 1, inconclusive: 0, failures: 0 });
  });

  it("ignores an action with nothing to act on, saying so", () => {
    const steady = begin({ previous: undefined, stable: undefined, target: V1, settings, action: undefined, now: T0 }).rollout;
    const step = begin({ previous: steady, stable: V1, target: V1, settings, action: "promote", now: at(1) });
    expect(step.rollout).toEqual(steady);
    expect(step.events.map((e) => e.reason)).toEqual(["RolloutActionIgnored"]);
  });

  it("keeps a rolled-back rollout rolled back until the spec or a resume changes it", () => {
    const abort = begin({ previous: startedRollout(), stable: V1, target: V2, settings, action: "abort", now: at(1) }).rollout;
    expect(begin({ previous: abort, stable: V1, target: V2, settings, action: undefined, now: at(60) }).rollout).toEqual(abort);
  });
});

describe("analysisDue", () => {
  const r = startedRollout();
  it("waits for the pause once the step's nodes are ready, and an interval between analyses", () => {
    // Before they are ready too, for the decisive checks alone (a refused artifact keeps them unready).
    expect(analysisDue(input(r, { canaryReady: false, now: at(1) }))).toBe(true);
    expect(analysisDue(input(r, { now: at(29) }))).toBe(false);
    expect(analysisDue(input(r, { now: at(30) }))).toBe(true);
    const analysed = {
      ...r,
      phase: "Analysing" as const,
      lastAnalysis: { time: "2026-01-01T00:00:31Z", verdict: "Wait" as const, message: "" },
    };
    expect(analysisDue(input(analysed, { now: at(35) }))).toBe(false);
    expect(analysisDue(input(analysed, { now: at(41) }))).toBe(true);
    expect(analysisDue(input(r, { settings: { ...settings, paused: true } }))).toBe(false);
  });
});

describe("advance", () => {
  it("waits for the step's nodes, then the pause, asking to be requeued", () => {
    const r = startedRollout();
    const notReady = advance(input(r, { canaryReady: false, now: at(1) }));
    expect(notReady.rollout.phase).toBe("Progressing");
    expect(notReady.rollout.reason).toContain("waiting for the step's nodes");
    expect(notReady.requeueAfterMs).toBe(10_000);
    const pausing = advance(input(r, { now: at(20) }));
    expect(pausing.rollout.reason).toContain("pausing 10s");
    expect(pausing.requeueAfterMs).toBe(10_000);
    expect(pausing.decision).toBeUndefined();
  });

  it("advances a step on a pass, and promotes after the last", () => {
    let r = startedRollout();
    const percents: number[] = [];
    const decisions: (string | undefined)[] = [];
    let now = 0;
    for (let i = 0; i < 3; i++) {
      now += 31;
      const step = advance(input(r, { analysis: PASS, now: at(now) }));
      r = step.rollout;
      percents.push(r.percent);
      decisions.push(step.decision);
    }
    expect(percents).toEqual([50, 100, 100]);
    expect(decisions).toEqual(["continue", "continue", "promote"]);
    expect(r).toMatchObject({ phase: "Promoted", stableRevision: V2.name });
    expect(r.lastAnalysis).toMatchObject({ verdict: "Pass", message: "ok" });
  });

  it("does not count too few samples for or against the rollout", () => {
    const step = advance(input(startedRollout(), { analysis: WAIT }));
    expect(step.rollout).toMatchObject({ phase: "Analysing", failures: 0, inconclusive: 0, step: 0 });
    expect(step.decision).toBeUndefined();
    expect(step.requeueAfterMs).toBe(10_000);
  });

  it("rolls back after one more failure than maxFailures in a row, saying why", () => {
    const first = advance(input(startedRollout(), { analysis: FAIL }));
    expect(first.rollout).toMatchObject({ phase: "Analysing", failures: 1 });
    expect(first.decision).toBe("continue");
    expect(first.events.map((e) => e.reason)).toEqual(["AnalysisFailed"]);
    const second = advance(input(first.rollout, { analysis: FAIL, now: at(41) }));
    expect(second.rollout).toMatchObject({ phase: "RolledBack", failures: 2, percent: 0, stableRevision: V1.name });
    expect(second.rollout.reason).toBe(
      "rolled back to 1.0: analysis failed 2 time(s) in a row at step 0 (10%): x86-cpu: p95 latency 0.2s > 0.1s",
    );
    expect(second.decision).toBe("rollback");
    expect(second.events.map((e) => [e.type, e.reason])).toEqual([["Warning", "RolledBack"]]);
    expect(second.requeueAfterMs).toBeUndefined();
  });

  it("after a failure, analyses again only once its window has passed, so failures in a row rest on different samples", () => {
    const failed = advance(input(startedRollout(), { analysis: FAIL }));
    expect(failed.requeueAfterMs).toBe(settings.windowSeconds * 1000);
    expect(failed.rollout.reason).toContain("(1 of 1 tolerated; the next one in 60s, over new samples)");
    const due = (seconds: number) => analysisDue({ ...input(failed.rollout, { now: at(31 + seconds) }) });
    expect(due(10)).toBe(false);
    expect(due(59)).toBe(false);
    expect(due(60)).toBe(true);
    // A window shorter than the interval: the interval.
    const short = { ...settings, windowSeconds: 5 };
    expect(advance(input(startedRollout(), { analysis: FAIL, settings: short })).requeueAfterMs).toBe(10_000);
    // Once a later analysis is not a failure (here: too few new samples yet), the interval again.
    const waited = advance(input(failed.rollout, { analysis: WAIT, now: at(91) }));
    expect(waited.rollout.failures).toBe(1);
    expect(analysisDue(input(waited.rollout, { now: at(101) }))).toBe(true);
  });

  it("rolls back at once, past maxFailures, when a canary node refused the new version's artifact", () => {
    const refused: AnalysisOutcome = {
      verdict: "Fail",
      message: "jetson-orin: artifact refused on 2 node(s): digest-mismatch",
      checks: [
        { name: "artifact-refusals", hardwareClass: "jetson-orin", value: 2, threshold: 0, passed: false },
        { name: "artifact-refusals", hardwareClass: "x86-cpu", value: 0, threshold: 0, passed: true },
      ],
    };
    const step = advance(input(startedRollout(), { analysis: refused }));
    expect(step.rollout).toMatchObject({ phase: "RolledBack", failures: 1, percent: 0, stableRevision: V1.name });
    expect(step.rollout.reason).toBe(
      "rolled back to 1.0: analysis failed at step 0 (10%): jetson-orin: artifact refused on 2 node(s): digest-mismatch",
    );
    expect(step.decision).toBe("rollback");
    // A passing artifact check does not make an ordinary failure decisive.
    const checks = (refused.checks ?? []).map((c) => ({ ...c, passed: true }));
    expect(advance(input(startedRollout(), { analysis: { ...FAIL, checks } })).decision).toBe("continue");

    // A real node whose init container refused the artifact never gets its runtime ready.
    const unready = advance(input(startedRollout(), { canaryReady: false, analysis: refused, now: at(1) }));
    expect(unready.rollout.phase).toBe("RolledBack");
    expect(unready.rollout.reason).toContain(
      "analysis failed while the step's nodes were not ready at step 0 (10%): jetson-orin: artifact refused",
    );
    expect(unready.rollout.lastAnalysis?.verdict).toBe("Fail");
    // Anything else found before they are ready waits for them.
    const latency = advance(input(startedRollout(), { canaryReady: false, analysis: { ...FAIL, checks }, now: at(1) }));
    expect([latency.rollout.phase, latency.decision]).toEqual(["Progressing", undefined]);
    expect(latency.rollout.reason).toContain("waiting for the step's nodes");
    // Recorded, so the next analysis waits an interval however many reconciles come before it.
    expect(latency.rollout.lastAnalysis?.verdict).toBe("Fail");
    expect(analysisDue(input(latency.rollout, { canaryReady: false, now: at(5) }))).toBe(false);
    expect(analysisDue(input(latency.rollout, { canaryReady: false, now: at(11) }))).toBe(true);
  });

  it("never passes an inconclusive analysis, and holds the rollout after maxInconclusive", () => {
    let r = startedRollout();
    const phases: string[] = [];
    for (let i = 0; i < 3; i++) {
      const step = advance(input(r, { analysis: INCONCLUSIVE, now: at(31 + 10 * i) }));
      expect(step.decision).toBe("inconclusive");
      r = step.rollout;
      phases.push(r.phase);
    }
    expect(phases).toEqual(["Analysing", "Analysing", "Failed"]);
    expect(r).toMatchObject({ step: 0, percent: 10, stableRevision: V1.name, inconclusive: 3 });
    expect(r.reason).toContain("held at step 0 (10%): 3 inconclusive analyses in a row (prometheus unreachable)");
    // Held: nothing moves without a manual action, however much time passes.
    expect(advance(input(r, { analysis: PASS, now: at(1000) })).rollout).toEqual(r);
  });

  it("a pass after failures still advances, with fresh counters", () => {
    const failed = advance(input(startedRollout(), { analysis: FAIL })).rollout;
    const passed = advance(input(failed, { analysis: PASS, now: at(41) })).rollout;
    expect(passed).toMatchObject({ step: 1, percent: 50, failures: 0 });
  });

  it("holds while spec.rollout.paused, and carries on when unpaused", () => {
    const paused = advance(input(startedRollout(), { settings: { ...settings, paused: true }, analysis: PASS }));
    expect(paused.rollout).toMatchObject({ phase: "Paused", step: 0 });
    expect(paused.events.map((e) => e.reason)).toEqual(["RolloutPaused"]);
    expect(paused.requeueAfterMs).toBeUndefined();
    const resumed = advance(input(paused.rollout, { analysis: PASS, now: at(100) }));
    expect(resumed.rollout).toMatchObject({ phase: "Progressing", step: 1 });
    expect(resumed.events.map((e) => e.reason)).toEqual(["RolloutResumed", "StepAdvanced"]);
  });

  it("treats a skipped analysis (no metrics source) as the pause alone", () => {
    const step = advance(input(startedRollout(), { analysis: { verdict: "Skipped", message: "analysis disabled" } }));
    expect(step.rollout).toMatchObject({ step: 1, percent: 50 });
    expect(step.rollout.lastAnalysis?.verdict).toBe("Skipped");
  });
});
