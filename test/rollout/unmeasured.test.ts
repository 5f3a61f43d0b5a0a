import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testCluster } from "../helpers/kube.js";
import { condition } from "../operator/edgemodels.js";
import { annotate, GOOD_LATENCY, phase, type RolloutSuite, rolloutSpec, seriesFor, serving, startRolloutSuite } from "./fixture.js";

const { kc, core } = testCluster();
let suite: RolloutSuite;

beforeAll(async () => {
  suite = await startRolloutSuite({ kc, core, name: "unmeasured", prometheus: "real" });
});

afterAll(async () => {
  await suite?.dispose();
});

/** The model's series, fast and error-free, from nodes whose agents run without a power sensor. */
const withoutPower = (version: string) => seriesFor(suite, "unpowered", version, GOOD_LATENCY).map(({ powerWatts: _p, ...s }) => s);

describe("a rollout whose power limit no node measures", () => {
  it("is never promoted: the analysis is inconclusive, naming the limit, and the rollout is held", async () => {
    const exporter = suite.exporter;
    if (!exporter) throw new Error("no exporter");
    const slo = { p95LatencySeconds: 0.2, maxPowerWatts: 30 };
    await exporter.set(withoutPower("1.0"));
    await suite.models.create("unpowered", rolloutSpec(suite.profile, { slo }));
    await serving(suite.models, "unpowered", "1.0");

    await exporter.set(withoutPower("2.0"));
    await suite.models.patchSpec("unpowered", { version: "2.0" });
    const held = await phase(suite.models, "unpowered", "Failed");
    expect(held.status).toMatchObject({ stableVersion: "1.0", canaryVersion: "2.0", currentVersion: "1.0" });
    expect(held.status?.rollout).toMatchObject({ step: 0, percent: 25, inconclusive: 3 });
    const analysis = held.status?.rollout?.lastAnalysis;
    expect(analysis?.verdict).toBe("Inconclusive");
    expect(analysis?.message).toBe(
      "limits set but not measured over 5s: rollout-a: slo.maxPowerWatts is 30W but its nodes on 2.0 report no power; " +
        "rollout-b: slo.maxPowerWatts is 30W but its nodes on 2.0 report no power",
    );
    // Everything else measured and met: only the power limit keeps the step from passing.
    expect(analysis?.checks?.filter((c) => !c.passed)).toEqual([
      { name: "power", hardwareClass: "rollout-a", threshold: 30, passed: false },
      { name: "power", hardwareClass: "rollout-b", threshold: 30, passed: false },
    ]);
    expect(condition(held, "Stalled")).toMatchObject({ status: "True", reason: "AnalysisInconclusive" });
    const { text } = await suite.operator.get("/metrics");
    expect(text).not.toContain(`model="unpowered",decision="promote"`);

    // Once the nodes report power, a resume carries the rollout through to the end.
    await exporter.set(seriesFor(suite, "unpowered", "2.0", GOOD_LATENCY));
    await annotate(kc, suite.ns, "unpowered", { "edgefleet.io/rollout-action": "resume" });
    const promoted = await phase(suite.models, "unpowered", "Promoted");
    expect(promoted.status?.stableVersion).toBe("2.0");
    expect(promoted.status?.rollout?.lastAnalysis?.checks?.filter((c) => c.name === "power")).toEqual([
      { name: "power", hardwareClass: "rollout-a", value: 12, threshold: 30, passed: true },
      { name: "power", hardwareClass: "rollout-b", value: 12, threshold: 30, passed: true },
    ]);
  });
});
