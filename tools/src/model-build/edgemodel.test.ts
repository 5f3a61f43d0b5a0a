import { edgeModel, SHA256 } from "@edgefleet/api";
import { describe, expect, it } from "vitest";
import { checkPublication, nextVersion, publishable } from "./edgemodel.js";
import type { BuildResult, Target, TargetResult } from "./result.js";

const built = (target: Target, verdict: TargetResult["verdict"] = "written"): TargetResult => ({
  target,
  sizeBytes: 1000,
  accuracyPercent: 97.5,
  latencyMs: { p50: 0.1, p95: 0.25 },
  evaluationSamples: 540,
  accuracyDropPoints: 0.5,
  sizeRatio: 0.3,
  verdict,
  ...(verdict === "written" ? { file: `/out/m-${target}` } : {}),
});
const evaluation = { dataset: "digits-evaluation.npz", sha256: "e".repeat(64) };
const result = (...targets: TargetResult[]): BuildResult => ({
  model: "m.onnx",
  evaluation,
  onnxruntime: "1.32.0",
  threads: 1,
  calibrationSamples: 179,
  maxAccuracyDropPoints: 1,
  targets,
});
const artifact = (n: number) => ({ uri: `oci://r/m@sha256:${String(n).repeat(64)}`, sha256: SHA256, sizeBytes: 1000, signatureUri: "sig" });

describe("publishable", () => {
  it("takes the written builds best first, and leaves out refused ones and those no catalog runtime serves", () => {
    const r = result(
      built("onnx-fp32"),
      built("onnx-int8-dynamic"),
      built("onnx-int8-static", "refused"),
      built("onnx-fp16"),
      built("openvino-fp16"),
      built("openvino-int8"),
    );
    const p = publishable(r);
    expect(p.targets.map((t) => t.target)).toEqual(["openvino-int8", "openvino-fp16", "onnx-int8-dynamic", "onnx-fp32"]);
    expect(p.skipped).toEqual(["onnx-fp16: no EdgeRuntime of the default catalog serves onnx fp16"]);
  });
});

describe("nextVersion", () => {
  const model = edgeModel({ rollout: { steps: [50, 100] } });
  const [ov, onnx] = [built("openvino-int8"), built("onnx-int8-static")];

  it("makes the published builds the model's variants at the new version, with their profiles, keeping the rest of the spec", () => {
    const next = nextVersion(
      model,
      "2.0.0",
      [
        { target: ov, artifact: artifact(1) },
        { target: onnx, artifact: artifact(2) },
      ],
      evaluation,
      { name: "keys", key: "pub" },
    );
    expect(next.metadata).toEqual({ name: "detector", namespace: "vision" });
    expect(next.spec.version).toBe("2.0.0");
    expect(next.spec.rollout).toEqual({ steps: [50, 100] });
    expect(next.spec.variants.map((v) => [v.name, v.format, v.precision, v.requirements.accelerators])).toEqual([
      ["openvino-int8", "openvino", "int8", ["intel-npu", "intel-gpu"]],
      ["onnx-int8-static", "onnx", "int8", ["cpu"]],
    ]);
    expect(next.spec.variants[1]?.artifact).toEqual({
      uri: artifact(2).uri,
      sha256: SHA256,
      sizeBytes: 1000,
      signature: { uri: "sig", publicKeyRef: { name: "keys", key: "pub" } },
    });
    expect(next.spec.variants[0]?.profile).toEqual({
      p95LatencySeconds: 0.00025,
      accuracy: { percent: 97.5, dropPoints: 0.5, evaluation: { ...evaluation, samples: 540 } },
    });
  });

  it("keeps the model's signature key Secret and pull Secret", () => {
    const [first, ...rest] = model.spec.variants;
    if (!first) throw new Error("the fixture has no variants");
    const publicKeyRef = { name: "model-keys", key: "ed25519.pub" };
    const signed = edgeModel({
      variants: [
        { ...first, artifact: { ...first.artifact, signature: { uri: "x", publicKeyRef }, pullSecretRef: { name: "pull" } } },
        ...rest,
      ],
    });
    const [v] = nextVersion(signed, "2.0.0", [{ target: onnx, artifact: artifact(2) }], evaluation, { name: "keys", key: "pub" }).spec
      .variants;
    expect(v?.artifact.signature?.publicKeyRef).toEqual(publicKeyRef);
    expect(v?.artifact.pullSecretRef).toEqual({ name: "pull" });
  });
});

describe("checkPublication", () => {
  it("refuses the current version and a build with nothing to publish", () => {
    const model = edgeModel();
    expect(() => checkPublication(model, model.spec.version, publishable(result(built("onnx-fp32"))))).toThrow(
      /--version 2024.06.1 is the model's current spec.version/,
    );
    expect(() => checkPublication(model, "2.0.0", publishable(result(built("onnx-fp16"), built("onnx-fp32", "refused"))))).toThrow(
      /nothing to publish/,
    );
    expect(() => checkPublication(model, "2.0.0", publishable(result(built("onnx-fp32"))))).not.toThrow();
  });
});
