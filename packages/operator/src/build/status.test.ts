import { describe, expect, it } from "vitest";
import { SHA, targetSummary, testBuild } from "./fixtures.test-support.js";
import { buildStatus, endEvents, finished } from "./status.js";

const sha = SHA;
const build = testBuild;
const target = targetSummary;
const now = new Date("2026-12-05T18:00:00.123Z");
const cond = (s: ReturnType<typeof buildStatus>, type: string) => s.conditions?.find((c) => c.type === type);

describe("build status", () => {
  it("is Progressing while the Job runs", () => {
    const s = buildStatus(build(), "digits-2", { phase: "Running" }, now);
    expect(s).toMatchObject({ observedGeneration: 2, job: "digits-2" });
    expect(cond(s, "Progressing")).toMatchObject({ status: "True", reason: "JobRunning", lastTransitionTime: "2026-12-05T18:00:00Z" });
    expect(cond(s, "Ready")).toMatchObject({ status: "False", reason: "Building" });
    expect(finished(s, "digits-2")).toBe(false);
    // A pod that cannot start says why, still Progressing: a new node or image lets it go on.
    const stuck = buildStatus(build(), "digits-2", { phase: "Created", notStarting: "pod digits-2-x cannot start: Unschedulable: …" }, now);
    expect(cond(stuck, "Progressing")).toMatchObject({
      status: "True",
      reason: "PodNotStarting",
      message: "Job digits-2: pod digits-2-x cannot start: Unschedulable: …",
    });
    expect(finished(stuck, "digits-2")).toBe(false);
  });

  it("copies each target's numbers, words each refusal from them and the budget, and reports the refusal as Degraded", () => {
    const summary = {
      tools: "onnxruntime 1.22.0",
      calibrationSamples: 179,
      evaluationSamples: 540,
      targets: [target({}), target({ target: "onnx-int8-static", verdict: "Refused", accuracyPercent: 9.81, accuracyDropPoints: 87.04 })],
    };
    const s = buildStatus(build(), "digits-2", { phase: "Succeeded", summary }, now);
    expect(s.targets?.[1]).toMatchObject({
      verdict: "Refused",
      reason: "accuracy 9.81% is 87.04 points below the source's 96.85%, more than spec.maxAccuracyDropPoints 1",
    });
    expect(cond(s, "Ready")).toMatchObject({ status: "True", reason: "Built", message: "built onnx-fp32; refused onnx-int8-static" });
    expect(cond(s, "Degraded")).toMatchObject({ status: "True", reason: "TargetsRefused" });
    expect(finished(s, "digits-2")).toBe(true);
    expect(finished(s, "digits-3")).toBe(false);
    expect(endEvents(s).map((e) => [e.type, e.reason])).toEqual([
      ["Normal", "Built"],
      ["Warning", "TargetRefused"],
    ]);
  });

  it("stalls on a failed build, with the build's own error when it left one", () => {
    const s = buildStatus(build(), "digits-2", { phase: "Failed", summary: { error: "source: sha256-mismatch" } }, now);
    expect(cond(s, "Stalled")).toMatchObject({ status: "True", reason: "BuildFailed" });
    expect(cond(s, "Ready")?.message).toContain("source: sha256-mismatch");
    expect(endEvents(s)).toEqual([expect.objectContaining({ type: "Warning", reason: "BuildFailed" })]);
    const lost = buildStatus(
      build(),
      "digits-2",
      { phase: "Failed", summary: undefined, problem: "Job digits-2 failed: DeadlineExceeded" },
      now,
    );
    expect(cond(lost, "Stalled")).toMatchObject({ reason: "JobFailed", message: expect.stringContaining("DeadlineExceeded") });
  });

  it("keeps a condition's lastTransitionTime while its status holds", () => {
    const before = buildStatus(build(), "digits-2", { phase: "Created" }, new Date("2026-12-05T17:00:00Z"));
    const s = buildStatus(build({ status: before }), "digits-2", { phase: "Running" }, now);
    expect(cond(s, "Progressing")?.lastTransitionTime).toBe("2026-12-05T17:00:00Z");
  });

  it("with spec.publish: Published says where the version went, or why it was refused, and its Event follows", () => {
    const publishing = build({
      spec: { ...build().spec, publish: { to: "oci://r.example/m", signingKeyRef: { name: "signing", key: "k" } } },
    });
    const summary = {
      tools: "onnxruntime 1.22.0",
      calibrationSamples: 179,
      evaluationSamples: 540,
      targets: [target({})],
    };
    const published = {
      edgeModel: "digits",
      version: "2.0",
      variants: [{ name: "onnx-fp32", target: "onnx-fp32" as const, uri: `oci://r.example/m@sha256:${sha}`, sha256: sha, sizeBytes: 1 }],
    };
    const running = buildStatus(publishing, "digits-2", { phase: "Running" }, now);
    expect(cond(running, "Published")).toMatchObject({ status: "False", reason: "Building" });
    const done = buildStatus(publishing, "digits-2", { phase: "Succeeded", summary }, now, { action: "done", published });
    expect(done.published).toEqual(published);
    expect(cond(done, "Published")).toMatchObject({
      status: "True",
      reason: "Published",
      message: "EdgeModel vision/digits is at version 2.0 with onnx-fp32",
    });
    expect(endEvents(done)).toContainEqual({
      type: "Normal",
      reason: "Published",
      note: "EdgeModel vision/digits is at version 2.0 with onnx-fp32",
    });
    const refused = buildStatus(publishing, "digits-2", { phase: "Succeeded", summary }, now, {
      action: "refuse",
      reason: "EdgeModelMissing",
      message: "EdgeModel vision/digits does not exist",
    });
    expect(refused.published).toBeUndefined();
    expect(cond(refused, "Published")).toMatchObject({ status: "False", reason: "EdgeModelMissing" });
    expect(cond(refused, "Ready")).toMatchObject({ status: "True" });
    expect(endEvents(refused)).toContainEqual({
      type: "Warning",
      reason: "PublishRefused",
      note: "EdgeModelMissing: EdgeModel vision/digits does not exist",
    });
    // Without spec.publish there is no Published condition at all.
    expect(cond(buildStatus(build(), "digits-2", { phase: "Succeeded", summary }, now), "Published")).toBeUndefined();
  });
});
