import type { EdgeModelBuildStatus, RolloutStatus } from "@edgefleet/api";
import { describe, expect, it } from "vitest";
import { SHA, testBuild } from "./fixtures.test-support.js";
import { type PublishedModel, rolloutOutcome, withFleet } from "./fleet.js";

const now = new Date("2026-12-07T18:00:00Z");
const later = new Date("2026-12-07T18:10:00Z");
const spec = testBuild().spec;
const build = testBuild({ spec: { ...spec, publish: { to: "oci://r.example.com/m/digits", signingKeyRef: { name: "k", key: "k.pem" } } } });

/** A build that published 2.0 into vision/digits: the source scored 98%, the int8 build 97.8%. */
const published: EdgeModelBuildStatus = {
  observedGeneration: 2,
  job: "digits-2",
  targets: [
    {
      target: "onnx-int8-static",
      verdict: "Built",
      sizeBytes: 1,
      sizeRatio: 0.28,
      accuracyPercent: 97.8,
      accuracyDropPoints: 0.2,
      p50LatencySeconds: 0.00002,
      p95LatencySeconds: 0.00004,
    },
  ],
  published: {
    edgeModel: "digits",
    version: "2.0",
    variants: [
      {
        name: "onnx-int8-static",
        target: "onnx-int8-static",
        uri: `oci://r.example.com/m/digits@sha256:${SHA}`,
        sha256: SHA,
        sizeBytes: 1,
      },
    ],
  },
  conditions: [{ type: "Published", status: "True", reason: "Published", message: "", lastTransitionTime: "2026-12-07T17:00:00Z" }],
};

const rollout = (over: Partial<RolloutStatus>): RolloutStatus => ({
  phase: "Analysing",
  stableRevision: "digits-1",
  targetRevision: "digits-2",
  targetVersion: "2.0",
  step: 1,
  percent: 10,
  stepStartedAt: "2026-12-07T17:50:00Z",
  failures: 0,
  inconclusive: 0,
  reason: "step 1 (10%): analysing",
  ...over,
});

const model = (r: RolloutStatus | undefined, version = "2.0"): PublishedModel => ({
  metadata: { name: "digits", namespace: "vision" },
  spec: { version, variants: [] },
  status: {
    ...(r ? { rollout: r } : {}),
    placements: [{ hardwareClass: "x86-cpu", nodes: 10, ready: 10, variant: "onnx-int8-static", runtime: "onnx" }],
  },
});

const measured = {
  time: "2026-12-07T17:59:00Z",
  verdict: "Pass" as const,
  message: "",
  measured: [
    { hardwareClass: "x86-cpu", requests: 120, p50LatencySeconds: 0.002, p95LatencySeconds: 0.004, evaluations: 50, accuracyPercent: 96 },
  ],
};

const rolledOut = (s: EdgeModelBuildStatus) => s.conditions?.find((c) => c.type === "RolledOut");

describe("a published build's fleet status", () => {
  it("waits for the rollout of its version while the cache still shows the EdgeModel before it", () => {
    const s = withFleet(build, published, model(rollout({ targetVersion: "1.0", phase: "Promoted" }), "1.0"), now);
    expect(s.fleet).toBeUndefined();
    expect(rolledOut(s)).toMatchObject({ status: "Unknown", reason: "RolloutPending", lastTransitionTime: "2026-12-07T18:00:00Z" });
    expect(rolloutOutcome(published, s)).toBeUndefined();
  });

  it("copies what each class's devices measured, with the variant and runtime it runs and the accuracy drop against the source", () => {
    const s = withFleet(build, published, model(rollout({ lastAnalysis: measured })), now);
    expect(s.fleet).toEqual({
      version: "2.0",
      phase: "Analysing",
      step: 1,
      percent: 10,
      reason: "step 1 (10%): analysing",
      analysedAt: "2026-12-07T17:59:00Z",
      classes: [
        {
          hardwareClass: "x86-cpu",
          variant: "onnx-int8-static",
          runtime: "onnx",
          requests: 120,
          p50LatencySeconds: 0.002,
          p95LatencySeconds: 0.004,
          evaluations: 50,
          accuracyPercent: 96,
          accuracyDropPoints: 2,
        },
      ],
    });
    expect(rolledOut(s)).toMatchObject({ status: "Unknown", reason: "RollingOut", message: "step 1 (10%): analysing" });
    // The next step's first analysis measures nothing yet: the last numbers stay.
    const next = withFleet(build, s, model(rollout({ step: 2, percent: 100, lastAnalysis: { ...measured, measured: [] } })), later);
    expect(next.fleet).toMatchObject({ step: 2, percent: 100, analysedAt: "2026-12-07T17:59:00Z", classes: s.fleet?.classes });
    // Unchanged input, unchanged status: no write.
    expect(withFleet(build, next, model(rollout({ step: 2, percent: 100, lastAnalysis: { ...measured, measured: [] } })), later)).toEqual(
      next,
    );
  });

  it("says the outcome once: promoted (True), rolled back or held (False), each with its Event", () => {
    const going = withFleet(build, published, model(rollout({ lastAnalysis: measured })), now);
    const promoted = withFleet(build, going, model(rollout({ phase: "Promoted", reason: "2.0 promoted: every limit met" })), later);
    expect(rolledOut(promoted)).toMatchObject({ status: "True", reason: "Promoted", lastTransitionTime: "2026-12-07T18:10:00Z" });
    expect(rolloutOutcome(going, promoted)).toEqual({
      outcome: "Promoted",
      event: { type: "Normal", reason: "Promoted", note: "2.0 promoted: every limit met" },
    });
    expect(rolloutOutcome(promoted, promoted)).toBeUndefined();
    const back = withFleet(
      build,
      going,
      model(rollout({ phase: "RolledBack", reason: "rolled back to 1.0: x86-cpu: p95 0.3s > 0.1s" })),
      later,
    );
    expect(rolledOut(back)).toMatchObject({ status: "False", reason: "RolledBack" });
    expect(rolloutOutcome(going, back)).toEqual({
      outcome: "RolledBack",
      event: { type: "Warning", reason: "RolledBack", note: "rolled back to 1.0: x86-cpu: p95 0.3s > 0.1s" },
    });
    expect(rolledOut(withFleet(build, going, model(rollout({ phase: "Failed", reason: "held" })), later))).toMatchObject({
      status: "False",
      reason: "RolloutHeld",
    });
    // Promoted, then the EdgeModel goes on to 3.0: what the devices measured of 2.0 stays, and so does its outcome.
    const after = withFleet(build, promoted, model(rollout({ targetVersion: "3.0", targetRevision: "digits-3" }), "3.0"), later);
    expect(after.fleet).toEqual(promoted.fleet);
    expect(rolledOut(after)).toEqual(rolledOut(promoted));
  });

  it("says a rollout another version replaced before it ended was superseded", () => {
    const going = withFleet(build, published, model(rollout({ lastAnalysis: measured })), now);
    const s = withFleet(
      build,
      going,
      model(rollout({ targetVersion: "3.0", targetRevision: "digits-3", phase: "Progressing" }), "3.0"),
      later,
    );
    expect(s.fleet).toEqual(going.fleet);
    expect(rolledOut(s)).toMatchObject({
      status: "False",
      reason: "Superseded",
      message: "EdgeModel vision/digits moved on to version 3.0 before the rollout of 2.0 ended (last seen: Analysing at step 1)",
    });
  });

  it("leaves a build that did not publish, or whose EdgeModel the cache lacks, as it is", () => {
    const unpublished = { ...published, conditions: (published.conditions ?? []).map((c) => ({ ...c, status: "False" as const })) };
    expect(withFleet(build, unpublished, model(rollout({ lastAnalysis: measured })), now)).toBe(unpublished);
    expect(withFleet(build, published, undefined, now)).toBe(published);
  });
});
