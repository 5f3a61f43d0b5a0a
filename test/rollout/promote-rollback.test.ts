import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, testCluster } from "../helpers/kube.js";
import { condition } from "../operator/edgemodels.js";
import { rawRequest } from "../operator/raw-api.js";
import {
  CLASSES,
  canaries,
  GOOD_LATENCY,
  NODES_PER_CLASS,
  phase,
  type RolloutSuite,
  rolloutSpec,
  SLOW_LATENCY,
  seriesFor,
  serving,
  startRolloutSuite,
  workloads,
} from "./fixture.js";

const { kc, core } = testCluster();
let suite: RolloutSuite;

beforeAll(async () => {
  suite = await startRolloutSuite({ kc, core, name: "analysis", prometheus: "real" });
});

afterAll(async () => {
  await suite?.dispose();
});

async function eventsOf(name: string): Promise<string[]> {
  const res = await rawRequest(kc, { method: "GET", path: `/apis/events.k8s.io/v1/namespaces/${suite.ns}/events` });
  const items = (res.body.items ?? []) as { reason: string; eventTime: string; regarding: { name: string } }[];
  return items
    .filter((e) => e.regarding.name === name)
    .sort((a, b) => a.eventTime.localeCompare(b.eventTime))
    .map((e) => e.reason);
}

describe("rollouts analysed against a real Prometheus", () => {
  it("places a first version directly, then promotes a good one through every step", async () => {
    const exporter = suite.exporter;
    if (!exporter) throw new Error("no exporter");
    await exporter.set(seriesFor(suite, "good", "1.0", GOOD_LATENCY));
    await suite.models.create("good", rolloutSpec(suite.profile));
    const first = await phase(suite.models, "good", "Promoted");
    expect(first.status).toMatchObject({ stableVersion: "1.0" });
    expect(first.status?.rollout?.reason).toContain("there is no earlier version");

    await exporter.set(seriesFor(suite, "good", "2.0", GOOD_LATENCY));
    await suite.models.patchSpec("good", { version: "2.0" });
    const seen = new Set<number>();
    const checked = new Set<string>();
    const done = await eventually("good promoted to 2.0", async () => {
      const m = await suite.models.get("good");
      const r = m?.status?.rollout;
      if (r && r.targetVersion === "2.0" && r.phase !== "Promoted") seen.add(r.percent);
      for (const c of r?.lastAnalysis?.checks ?? []) checked.add(`${c.hardwareClass} ${c.name} ${c.passed}`);
      return r?.phase === "Promoted" && m?.status?.stableVersion === "2.0" ? m : undefined;
    }).catch(async (err) => {
      console.log(JSON.stringify((await suite.models.get("good"))?.status, null, 1), await workloads(suite.models, "good"));
      throw err;
    });
    expect([...seen].every((p) => [25, 50, 100].includes(p))).toBe(true);
    expect(done.status?.rollout?.lastAnalysis).toMatchObject({ verdict: "Pass" });
    expect(done.status?.rollout?.lastAnalysis?.checks?.map((c) => `${c.hardwareClass} ${c.name} ${c.passed}`)).toEqual(
      expect.arrayContaining([
        "rollout-a latency true",
        "rollout-b error-ratio true",
        "rollout-b power true",
        "rollout-b temperature true",
      ]),
    );
    // What each class's nodes on 2.0 measured, whatever the limits: the exporter's 20 ms land in the 10-25 ms bucket.
    const measured = done.status?.rollout?.lastAnalysis?.measured ?? [];
    expect(measured.map((c) => c.hardwareClass).sort()).toEqual([...CLASSES]);
    for (const c of measured) {
      expect(c.requests).toBeGreaterThan(0);
      expect(c.p50LatencySeconds).toBeGreaterThanOrEqual(0.01);
      expect(c.p95LatencySeconds).toBeGreaterThanOrEqual(c.p50LatencySeconds ?? 1);
      expect(c.p95LatencySeconds).toBeLessThanOrEqual(0.025);
    }
    // Against the stable version while nodes run it; at 100% none does, so its samples no longer count.
    expect([...checked]).toContain("rollout-a latency-vs-stable true");
    expect(done.status?.canaryVersion).toBeUndefined();
    const events = await eventually("the rollout's Events", async () => {
      const reasons = await eventsOf("good");
      return reasons.includes("Promoted") ? reasons : undefined;
    });
    expect(events.filter((r) => r === "StepAdvanced")).toHaveLength(2);
    expect(events).toContain("RolloutStarted");
    await eventually("every node on 2.0, no canary left", async () => {
      const w = await workloads(suite.models, "good");
      return w.join() === [`rollout-a stable 2.0 ready=${NODES_PER_CLASS}`, `rollout-b stable 2.0 ready=${NODES_PER_CLASS}`].join()
        ? w
        : undefined;
    });
    const { text } = await suite.operator.get("/metrics");
    expect(text).toContain(`edgefleet_rollout_phase{namespace="${suite.ns}",model="good",phase="Promoted"} 1`);
    expect(text).toContain(`edgefleet_rollout_step{namespace="${suite.ns}",model="good"} 100`);
    expect(text).toContain(`edgefleet_rollout_decisions_total{namespace="${suite.ns}",model="good",decision="promote"} 1`);
    expect(text).toMatch(/edgefleet_rollout_analysis_duration_seconds_count \d+/);
  });

  it("rolls a slower version back on every node by itself, and says why", async () => {
    const exporter = suite.exporter;
    if (!exporter) throw new Error("no exporter");
    await exporter.set(seriesFor(suite, "slow", "1.0", GOOD_LATENCY));
    await suite.models.create("slow", rolloutSpec(suite.profile));
    await serving(suite.models, "slow", "1.0");
    await eventually("slow 1.0 on every node", async () => {
      const w = await workloads(suite.models, "slow");
      return w.every((x) => x.endsWith(`ready=${NODES_PER_CLASS}`)) && w.length === 2 ? w : undefined;
    });

    await suite.models.patchSpec("slow", { version: "2.0" });
    // The first bad sample: the new version's series appear, slow, once its first nodes run it.
    await eventually("the canary's nodes", async () => {
      const w = await workloads(suite.models, "slow");
      return w.some((x) => x.includes("canary 2.0")) ? w : undefined;
    });
    const firstBad = Date.now();
    await exporter.set(seriesFor(suite, "slow", "2.0", SLOW_LATENCY));
    const m = await phase(suite.models, "slow", "RolledBack");
    await eventually("every node back on 1.0", async () => {
      const w = await workloads(suite.models, "slow");
      return w.join() === [`rollout-a stable 1.0 ready=${NODES_PER_CLASS}`, `rollout-b stable 1.0 ready=${NODES_PER_CLASS}`].join()
        ? w
        : undefined;
    });
    const seconds = (Date.now() - firstBad) / 1000;
    console.log(
      `first bad sample to every node back on the stable version: ${seconds.toFixed(1)} s (analysis interval 1 s, scrape 1 s, window 5 s, maxFailures 1)`,
    );

    expect(m.status).toMatchObject({ stableVersion: "1.0", currentVersion: "1.0" });
    expect(m.status?.rollout?.reason).toMatch(
      /^rolled back to 1\.0: analysis failed 2 time\(s\) in a row at step 0 \(25%\): rollout-a: p95 latency/,
    );
    expect(m.status?.rollout?.lastAnalysis?.checks?.find((c) => c.name === "latency" && c.hardwareClass === "rollout-a")).toMatchObject({
      passed: false,
      threshold: 0.2,
    });
    expect(condition(m, "Degraded")).toMatchObject({ status: "True", reason: "RolledBack" });
    const { text } = await suite.operator.get("/metrics");
    expect(text).toContain(`edgefleet_rollout_phase{namespace="${suite.ns}",model="slow",phase="RolledBack"} 1`);
    expect(text).toContain(`edgefleet_rollout_decisions_total{namespace="${suite.ns}",model="slow",decision="rollback"} 1`);
  });

  it("rolls back at once when a canary node refuses the new version's artifact, naming the reason", async () => {
    const exporter = suite.exporter;
    if (!exporter) throw new Error("no exporter");
    await exporter.set(seriesFor(suite, "refused", "1.0", GOOD_LATENCY));
    await suite.models.create("refused", rolloutSpec(suite.profile));
    await phase(suite.models, "refused", "Promoted");

    await suite.models.patchSpec("refused", { version: "2.0" });
    const canary = await eventually("the canaries of both classes", async () => {
      const c = await canaries(suite.models, "refused");
      return c["rollout-a"]?.length && c["rollout-b"]?.length ? c : undefined;
    });
    // rollout-b's canary serves 2.0 well; rollout-a's refused the artifact, so it never reports a 2.0 inference.
    await exporter.set(seriesFor(suite, "refused", "2.0", GOOD_LATENCY).filter((s) => s.hardwareClass === "rollout-b"));
    const node = canary["rollout-a"]?.[0] ?? "";
    await exporter.refuse([
      { namespace: suite.ns, model: "refused", version: "2.0", hardwareClass: "rollout-a", node, reason: "digest-mismatch", count: 1 },
    ]);
    const m = await phase(suite.models, "refused", "RolledBack");
    // Found after the canaries are ready, or (on a loaded machine) before: a refusal decides either way.
    expect(m.status?.rollout?.reason).toMatch(
      /^rolled back to 1\.0: analysis failed (while the step's nodes were not ready )?at step 0 \(25%\): rollout-a: artifact refused on 1 node\(s\): digest-mismatch$/,
    );
    expect(m.status?.rollout?.failures).toBe(1);
    expect(m.status?.rollout?.lastAnalysis?.checks?.filter((c) => c.hardwareClass === "rollout-a")).toEqual([
      { name: "artifact-refusals", hardwareClass: "rollout-a", value: 1, threshold: 0, passed: false },
    ]);
    await eventually("every node back on 1.0", async () => {
      const w = await workloads(suite.models, "refused");
      return w.join() === [`rollout-a stable 1.0 ready=${NODES_PER_CLASS}`, `rollout-b stable 1.0 ready=${NODES_PER_CLASS}`].join()
        ? w
        : undefined;
    });
  });
});
