import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, testCluster } from "../helpers/kube.js";
import { canaries, GOOD_LATENCY, phase, type RolloutSuite, rolloutSpec, seriesFor, startRolloutSuite } from "./fixture.js";

const { kc, core } = testCluster();
let suite: RolloutSuite;

beforeAll(async () => {
  suite = await startRolloutSuite({ kc, core, name: "restart", prometheus: "real" });
});

afterAll(async () => {
  await suite?.dispose();
});

describe("a rollout across an operator crash", () => {
  it("resumes at the step it was at after the operator is SIGKILLed, with the same canaries, and completes", async () => {
    const exporter = suite.exporter;
    if (!exporter) throw new Error("no exporter");
    const spec = rolloutSpec(suite.profile, {
      rollout: { steps: [25, 50, 100], pauseSeconds: 4, analysis: { windowSeconds: 5, minSamples: 10 } },
    });
    await exporter.set([...seriesFor(suite, "survivor", "1.0", GOOD_LATENCY), ...seriesFor(suite, "survivor", "2.0", GOOD_LATENCY)]);
    await suite.models.create("survivor", spec);
    await phase(suite.models, "survivor", "Promoted");
    await suite.models.patchSpec("survivor", { version: "2.0" });
    const atStep1 = await eventually("step 1 (50%) with its canaries", async () => {
      const m = await suite.models.get("survivor");
      const c = await canaries(suite.models, "survivor");
      return m?.status?.rollout?.step === 1 && c["rollout-a"]?.length === 2 && c["rollout-b"]?.length === 2 ? { m, c } : undefined;
    });

    suite.operator.kill("SIGKILL");
    await suite.operator.exited;
    const killedAt = atStep1.m.status?.rollout?.stepStartedAt;
    suite.operator = await suite.startOperator("restart-2");

    // Every status the new operator writes is at step 1 or later; the step's canaries are the same nodes.
    const steps: number[] = [];
    const step1Starts = new Set<string>();
    const done = await eventually("promoted by the new operator", async () => {
      const m = await suite.models.get("survivor");
      const r = m?.status?.rollout;
      if (r && r.phase !== "Promoted") steps.push(r.step);
      if (r?.step === 1) step1Starts.add(r.stepStartedAt);
      return r?.phase === "Promoted" && m?.status?.stableVersion === "2.0" ? m : undefined;
    });
    expect(Math.min(...steps)).toBeGreaterThanOrEqual(1);
    expect(done.status?.rollout?.lastAnalysis?.verdict).toBe("Pass");
    // It carried on with step 1 as it was (its pause counted from the same start), not a fresh step.
    expect([...step1Starts]).toEqual(killedAt ? [killedAt] : []);
    const decisions = (await suite.operator.get("/metrics")).text;
    expect(decisions).toContain(`edgefleet_rollout_decisions_total{namespace="${suite.ns}",model="survivor",decision="promote"} 1`);
  });

  it("keeps the canaries a step had when the new operator takes over", async () => {
    const spec = rolloutSpec(suite.profile, { rollout: { steps: [25, 50, 100], pauseSeconds: 3600 } });
    await suite.models.create("sticky", spec);
    await phase(suite.models, "sticky", "Promoted");
    await suite.models.patchSpec("sticky", { version: "2.0" });
    const before = await eventually("canaries at 25%", async () => {
      const c = await canaries(suite.models, "sticky");
      return c["rollout-a"]?.length === 1 && c["rollout-b"]?.length === 1 ? c : undefined;
    });
    suite.operator.kill("SIGKILL");
    await suite.operator.exited;
    suite.operator = await suite.startOperator("restart-3");
    // The new leader has reconciled once it reports the model's phase.
    await eventually("the new operator reports the rollout", async () =>
      (await suite.operator.get("/metrics")).text.includes(
        `edgefleet_rollout_phase{namespace="${suite.ns}",model="sticky",phase="Progressing"} 1`,
      )
        ? true
        : undefined,
    );
    expect(await canaries(suite.models, "sticky")).toEqual(before);
    expect((await suite.models.get("sticky"))?.status?.rollout).toMatchObject({ step: 0, percent: 25, phase: "Progressing" });
  });
});
