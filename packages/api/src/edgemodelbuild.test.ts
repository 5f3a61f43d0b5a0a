import { Value } from "@sinclair/typebox/value";
import { describe, expect, it } from "vitest";
import { edgeModelBuildCRD } from "./crds.js";
import { BUILD_TARGETS, type EdgeModelBuildSpec, EdgeModelBuildSpecSchema } from "./edgemodelbuild.js";

// TypeBox checks types, enums, patterns and bounds; the CEL rule needs an API server (test/model-build/operator.test.ts).
const sha = "a".repeat(64);
const spec: EdgeModelBuildSpec = {
  model: "digits",
  version: "2.0",
  source: { uri: "https://models.example.com/digits-mlp.onnx", sha256: sha, sizeBytes: 200_000 },
  calibration: { uri: "https://models.example.com/digits-calibration.npz", sha256: sha, sizeBytes: 100_000 },
  evaluation: { uri: "oci://registry.example.com/data/digits:evaluation", sha256: sha, sizeBytes: 300_000 },
  targets: ["onnx-fp32", "onnx-int8-static"],
  maxAccuracyDropPoints: 1,
};
const errorPaths = (value: unknown) => [...Value.Errors(EdgeModelBuildSpecSchema, value)].map((e) => e.path);

describe("EdgeModelBuild spec schema", () => {
  it("accepts a complete build", () => {
    expect(errorPaths(spec)).toEqual([]);
  });

  it("accepts exactly the targets the build implements", () => {
    expect(errorPaths({ ...spec, targets: [...BUILD_TARGETS] })).toEqual([]);
    expect(errorPaths({ ...spec, targets: ["tensorrt-fp16"] })).toContain("/targets/0");
  });

  it("names the field of a bad input", () => {
    expect(errorPaths({ ...spec, source: { ...spec.source, sha256: "ABC" } })).toContain("/source/sha256");
    expect(errorPaths({ ...spec, evaluation: { ...spec.evaluation, uri: "http://plain.example.com/e.npz" } })).toContain("/evaluation/uri");
    expect(errorPaths({ ...spec, version: "2.0 beta" })).toContain("/version");
    expect(errorPaths({ ...spec, maxAccuracyDropPoints: -1 })).toContain("/maxAccuracyDropPoints");
  });

  it("asks for calibration data only when a calibrated target is requested (a CEL rule)", () => {
    const rules = edgeModelBuildCRD().spec.versions[0]?.schema.openAPIV3Schema.properties as Record<string, Record<string, unknown>>;
    expect(rules.spec?.["x-kubernetes-validations"]).toEqual([
      expect.objectContaining({
        fieldPath: ".calibration",
        message: expect.stringContaining("onnx-int8-static, openvino-int8, tflite-int8"),
      }),
      expect.objectContaining({ fieldPath: ".publish", rule: expect.not.stringContaining("'onnx-fp16'") }),
    ]);
  });

  it("publish: names the field of a repository with a tag, a bad Secret reference or key", () => {
    const publish = { to: "oci://registry.example.com:5000/models/digits", signingKeyRef: { name: "signing", key: "ed25519.pem" } };
    expect(errorPaths({ ...spec, publish })).toEqual([]);
    expect(errorPaths({ ...spec, publish: { ...publish, edgeModel: "digits", registryAuthRef: { name: "push" } } })).toEqual([]);
    expect(errorPaths({ ...spec, publish: { ...publish, to: "oci://registry.example.com/models/digits:2.0" } })).toContain("/publish/to");
    expect(errorPaths({ ...spec, publish: { ...publish, to: "https://registry.example.com/models/digits" } })).toContain("/publish/to");
    expect(errorPaths({ ...spec, publish: { ...publish, signingKeyRef: { name: "Signing", key: "k" } } })).toContain(
      "/publish/signingKeyRef/name",
    );
    expect(errorPaths({ ...spec, publish: { to: publish.to } })).toContain("/publish/signingKeyRef");
  });
});
