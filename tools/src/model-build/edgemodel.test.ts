import { edgeModel, keptVariants, nextVersion, SHA256 } from "@edgefleet/api";
import { describe, expect, it } from "vitest";
import { checkPublication, measured, publishable } from "./edgemodel.js";
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
      built("tflite-fp32"),
      built("tflite-int8"),
    );
    const p = publishable(r);
    expect(p.targets.map((t) => t.target)).toEqual([
      "openvino-int8",
      "openvino-fp16",
      "tflite-int8",
      "onnx-int8-dynamic",
      "onnx-fp32",
      "tflite-fp32",
    ]);
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
        { build: measured(ov), artifact: artifact(1) },
        { build: measured(onnx), artifact: artifact(2) },
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

  it("puts the kept variants, pushed again for the new version, after the builds", () => {
    const [trt] = keptVariants(model, new Set(["onnx-int8-static", "ov-int8"])).filter((v) => v.name === "trt-fp16");
    if (!trt) throw new Error("the fixture has no trt-fp16");
    const next = nextVersion(model, "2.0.0", [{ build: measured(onnx), artifact: artifact(2) }], evaluation, { name: "keys", key: "pub" }, [
      { variant: trt, artifact: { ...artifact(3), signatureUri: "resigned" } },
    ]);
    expect(next.spec.variants.map((v) => v.name)).toEqual(["onnx-int8-static", "trt-fp16"]);
    expect(next.spec.variants[1]).toEqual({
      ...trt,
      artifact: {
        uri: artifact(3).uri,
        sha256: SHA256,
        sizeBytes: 1000,
        signature: { uri: "resigned", publicKeyRef: { name: "keys", key: "pub" } },
      },
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
    const [v] = nextVersion(signed, "2.0.0", [{ build: measured(onnx), artifact: artifact(2) }], evaluation, { name: "keys", key: "pub" })
      .spec.variants;
    expect(v?.artifact.signature?.publicKeyRef).toEqual(publicKeyRef);
    expect(v?.artifact.pullSecretRef).toEqual({ name: "pull" });
  });
});

describe("keptVariants", () => {
  it("keeps the variants no published build is named as, in the model's order", () => {
    const model = edgeModel();
    const names = model.spec.variants.map((v) => v.name);
    const replaced = new Set([names[0] ?? ""]);
    expect(keptVariants(model, replaced).map((v) => v.name)).toEqual(names.slice(1));
  });
});

describe("checkPublication", () => {
  it("refuses the current version and a build with nothing to publish", () => {
    const model = edgeModel();
    expect(() => checkPublication(model, model.spec.version, publishable(result(built("onnx-fp32"))))).toThrow(
      /--version 2024.06.1 is the model's current spec.version/,
    );
    expect(() => checkPublication(model, "2025.1", publishable(result(built("onnx-fp16"), built("onnx-fp32", "refused"))))).toThrow(
      /nothing to publish/,
    );
    expect(() => checkPublication(model, "2025.1", publishable(result(built("onnx-fp32"))))).not.toThrow();
  });

  it("refuses a dotted version older than the current one, and names the field it came from", () => {
    const model = edgeModel();
    expect(() => checkPublication(model, "2024.6.0", publishable(result(built("onnx-fp32"))), "spec.version")).toThrow(
      "spec.version 2024.6.0 is older than the model's current spec.version 2024.06.1: give a newer version",
    );
    // Versions that are not dotted numbers have no order: only the current one is refused.
    expect(() => checkPublication(model, "next", publishable(result(built("onnx-fp32"))))).not.toThrow();
  });
});
