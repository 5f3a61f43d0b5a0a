import { type BuildSummary, type EdgeModelBuild, edgeModel, variant } from "@edgefleet/api";
import { describe, expect, it } from "vitest";
import { carriedFrom } from "./carried.js";
import { targetSummary, testBuild } from "./fixtures.test-support.js";
import { decidePublication } from "./publication.js";

const to = "oci://registry.example:5000/models/digits";
const base = testBuild();
const build: EdgeModelBuild = {
  ...base,
  spec: {
    ...base.spec,
    evaluation: { ...base.spec.evaluation, sha256: "e".repeat(64) },
    targets: ["onnx-fp32", "openvino-int8"],
    publish: { to, signingKeyRef: { name: "signing", key: "ed25519.pem" } },
  },
};
const target = targetSummary;
const summary: Extract<BuildSummary, { targets: unknown }> = {
  tools: "onnxruntime 1.22.0",
  calibrationSamples: 179,
  evaluationSamples: 540,
  targets: [target({}), target({ target: "openvino-int8", accuracyPercent: 96.5, accuracyDropPoints: 0.35, sizeBytes: 60_000 })],
  publish: {
    pushed: [
      { t: "openvino-int8", d: "1".repeat(64), s: "b".repeat(64), b: 60_000 },
      { t: "onnx-fp32", d: "2".repeat(64), s: "c".repeat(64), b: 200_000 },
    ],
  },
};
/** The model as its team has it: version 1.0 of the source, for CPUs. */
const current = edgeModel({ version: "1.0", variants: [variant("onnx-fp32", "onnx", "fp32", ["cpu"])] }, "digits");

describe("decidePublication", () => {
  it("applies the pushed builds as the model's new version, by digest, with what the build measured and where devices fetch its evaluation data", () => {
    const p = decidePublication(build, summary, current);
    if (p.action !== "apply") throw new Error(`expected apply, got ${JSON.stringify(p)}`);
    expect(p.model.metadata).toEqual({ name: "digits", namespace: "vision" });
    expect(p.model.spec.version).toBe("2.0");
    expect(p.model.spec.variants.map((v) => [v.name, v.artifact.uri])).toEqual([
      ["openvino-int8", `${to}@sha256:${"1".repeat(64)}`],
      ["onnx-fp32", `${to}@sha256:${"2".repeat(64)}`],
    ]);
    expect(p.model.spec.variants[0]?.artifact).toMatchObject({
      sha256: "b".repeat(64),
      sizeBytes: 60_000,
      signature: { uri: `${to}@sha256:${"1".repeat(64)}`, publicKeyRef: { name: "edgefleet-model-signing", key: "ed25519.pub" } },
    });
    expect(p.model.spec.variants[0]?.profile).toEqual({
      p95LatencySeconds: 0.00003,
      accuracy: {
        percent: 96.5,
        dropPoints: 0.35,
        evaluation: {
          dataset: "digits-evaluation.npz",
          sha256: "e".repeat(64),
          samples: 540,
          // Devices score the variant on the data the build measured it on, where the build fetched it.
          uri: "https://m.example.com/e.npz",
        },
      },
    });
    expect(p.published).toEqual({
      edgeModel: "digits",
      version: "2.0",
      variants: [
        {
          name: "openvino-int8",
          target: "openvino-int8",
          uri: `${to}@sha256:${"1".repeat(64)}`,
          sha256: "b".repeat(64),
          sizeBytes: 60_000,
        },
        { name: "onnx-fp32", target: "onnx-fp32", uri: `${to}@sha256:${"2".repeat(64)}`, sha256: "c".repeat(64), sizeBytes: 200_000 },
      ],
    });
  });

  it("does nothing when the model already is this version with these artifacts (a lost status write must not publish twice)", () => {
    const p = decidePublication(build, summary, current);
    if (p.action !== "apply") throw new Error("expected apply");
    expect(decidePublication(build, summary, p.model)).toEqual({ action: "done", published: p.published });
  });

  it("refuses a missing EdgeModel, one at this version with other artifacts or newer, and variants no build replaces, naming them", () => {
    expect(decidePublication(build, summary, undefined)).toMatchObject({
      action: "refuse",
      reason: "EdgeModelMissing",
      message: expect.stringContaining("EdgeModel vision/digits does not exist"),
    });
    const at = (version: string) => ({ ...current, spec: { ...current.spec, version } });
    expect(decidePublication(build, summary, at("2.0"))).toMatchObject({
      action: "refuse",
      reason: "VersionNotNewer",
      message: expect.stringContaining("spec.version 2.0 is the model's current spec.version"),
    });
    expect(decidePublication(build, summary, at("3.1"))).toMatchObject({
      action: "refuse",
      reason: "VersionNotNewer",
      message: expect.stringContaining("spec.version 2.0 is older than the model's current spec.version 3.1"),
    });
  });

  describe("the variants no build replaces", () => {
    const withTrt = {
      ...current,
      spec: { ...current.spec, variants: [...current.spec.variants, variant("trt-fp16", "tensorrt", "fp16", ["nvidia-gpu"])] },
    };
    const trt = withTrt.spec.variants[1];
    const carrying = {
      ...summary,
      publish: { pushed: summary.publish && "pushed" in summary.publish ? summary.publish.pushed : [], k: ["3".repeat(64)] },
    };
    const from = carriedFrom(withTrt.spec);

    it("are carried as the build pod pushed them again: the same file, the new signature, after the builds", () => {
      const p = decidePublication(build, carrying, withTrt, from);
      if (p.action !== "apply") throw new Error(`expected apply, got ${JSON.stringify(p)}`);
      const uri = `${to}@sha256:${"3".repeat(64)}`;
      expect(p.model.spec.variants.map((v) => v.name)).toEqual(["openvino-int8", "onnx-fp32", "trt-fp16"]);
      const carried = p.model.spec.variants[2];
      // All but the artifact as the team wrote it.
      expect({ ...carried, artifact: undefined }).toEqual({ ...trt, artifact: undefined });
      expect(carried?.artifact).toEqual({
        uri,
        sha256: trt?.artifact.sha256,
        sizeBytes: trt?.artifact.sizeBytes,
        signature: { uri, publicKeyRef: { name: "edgefleet-model-signing", key: "ed25519.pub" } },
      });
      expect(p.published.carried).toEqual([{ name: "trt-fp16", uri }]);
      // Applied once: a reconcile after a lost status write reports the same.
      expect(decidePublication(build, carrying, p.model, from)).toEqual({ action: "done", published: p.published });
    });

    it("are refused, named, when the Job carried none, the EdgeModel changed since, or the pod carried another number", () => {
      expect(decidePublication(build, summary, withTrt)).toMatchObject({
        action: "refuse",
        reason: "VariantsNotCarried",
        message: expect.stringContaining("has variants no published build replaces (trt-fp16), and the build's Job was created before"),
      });
      const moved = { ...withTrt, spec: { ...withTrt.spec, version: "1.1" } };
      expect(decidePublication(build, carrying, moved, from)).toMatchObject({
        action: "refuse",
        reason: "EdgeModelChanged",
        message: expect.stringContaining("changed while the build ran: its version or variants are no longer those the build verified"),
      });
      expect(decidePublication(build, summary, withTrt, from)).toMatchObject({
        action: "refuse",
        reason: "VariantsNotCarried",
        message: expect.stringContaining("has 1 variants no published build replaces (trt-fp16), the build pod carried 0"),
      });
    });

    it("refuses what the pod could not carry, with its reason", () => {
      const refused = { ...summary, publish: { error: "carrying the EdgeModel's variants: variant trt-fp16: …", carry: true as const } };
      expect(decidePublication(build, refused, withTrt, from)).toMatchObject({ action: "refuse", reason: "CarryRefused" });
    });
  });

  it("refuses what the build pod could not push, with its reason", () => {
    expect(decidePublication(build, { ...summary, publish: { error: "push to x failed: 401" } }, current)).toEqual({
      action: "refuse",
      reason: "PushFailed",
      message: "push to x failed: 401",
    });
  });
});
