import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testCluster } from "../helpers/kube.js";
import { condition } from "../operator/edgemodels.js";
import { canaries, phase, type RolloutSuite, rolloutSpec, serving, startRolloutSuite } from "./fixture.js";

const { kc, core } = testCluster();
let suite: RolloutSuite;

beforeAll(async () => {
  suite = await startRolloutSuite({ kc, core, name: "unreachable", prometheus: "unreachable" });
});

afterAll(async () => {
  await suite?.dispose();
});

describe("a rollout whose Prometheus cannot be reached", () => {
  it("is never promoted: inconclusive analyses hold it at its step, Stalled, with the canaries kept", async () => {
    await suite.models.create("blind", rolloutSpec(suite.profile));
    await serving(suite.models, "blind", "1.0");
    await suite.models.patchSpec("blind", { version: "2.0" });
    const held = await phase(suite.models, "blind", "Failed");
    expect(held.status).toMatchObject({ stableVersion: "1.0", canaryVersion: "2.0", currentVersion: "1.0" });
    expect(held.status?.rollout).toMatchObject({ step: 0, percent: 25, inconclusive: 3 });
    expect(held.status?.rollout?.lastAnalysis).toMatchObject({ verdict: "Inconclusive" });
    expect(held.status?.rollout?.lastAnalysis?.message).toMatch(/^prometheus at http:\/\/127\.0\.0\.1:\d+ unreachable/);
    expect(condition(held, "Stalled")).toMatchObject({ status: "True", reason: "AnalysisInconclusive" });

    // Held, not promoted, however long it waits.
    await new Promise((r) => setTimeout(r, 4000));
    const later = await suite.models.get("blind");
    expect(later?.status?.rollout).toMatchObject({ phase: "Failed", step: 0 });
    expect(Object.values(await canaries(suite.models, "blind")).map((n) => n.length)).toEqual([1, 1]);
    const { text } = await suite.operator.get("/metrics");
    expect(text).toContain(`edgefleet_rollout_phase{namespace="${suite.ns}",model="blind",phase="Failed"} 1`);
    // Exactly the three that held it: a decision counts once the status recording it is written,
    // and no reconcile acts on a cached status older than its own last write (controller/write-lag.ts).
    expect(text).toMatch(
      new RegExp(`edgefleet_rollout_decisions_total\\{namespace="${suite.ns}",model="blind",decision="inconclusive"\\} 3`),
    );
    expect(text).not.toContain(`model="blind",decision="promote"`);
  });
});
