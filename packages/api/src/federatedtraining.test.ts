import { Value } from "@sinclair/typebox/value";
import { describe, expect, it } from "vitest";
import { BUILD_SPEC_RULES, EdgeModelBuildSpecSchema } from "./edgemodelbuild.js";
import { BuildTemplateSchema, type FederatedTrainingSpec, FederatedTrainingSpecSchema, TRAINING_SUPPLIED } from "./federatedtraining.js";

// What TypeBox can check (types, enums, bounds); the immutability rule is CEL, checked by the API
// server in test/federated/operator.test.ts.
const errorPaths = (value: unknown) => [...Value.Errors(FederatedTrainingSpecSchema, value)].map((e) => e.path);

const spec: FederatedTrainingSpec = {
  model: "digits",
  trainer: { image: "registry.example/acme/digits-fl:1" },
  rounds: 10,
  devicesPerRoundPercent: 20,
  eligibility: { hardwareClasses: ["jetson-orin"], maxTemperatureCelsius: 80, excludeThrottled: true, maxRecentDisconnects: 3 },
  strategy: "FedAvg",
  secureAggregation: true,
  differentialPrivacy: { clipNorm: 1, noiseMultiplier: 1.1, targetEpsilon: 8, delta: 1e-5 },
  output: { path: "/var/lib/edgefleet/fl" },
};

const BUILD: NonNullable<FederatedTrainingSpec["build"]> = {
  to: "oci://registry.example:5000/models/digits",
  version: "2.0",
  signingKeyRef: { name: "model-signing", key: "ed25519.pem" },
  publicKeyRef: { name: "edgefleet-model-signing", key: "ed25519.pub" },
  template: { targets: ["onnx-fp32", "onnx-int8-dynamic"] },
};

describe("FederatedTraining spec schema", () => {
  it("accepts a complete job", () => {
    expect(errorPaths(spec)).toEqual([]);
    expect(errorPaths({ ...spec, build: { ...BUILD, registryCredentialsRef: { name: "registry" } } })).toEqual([]);
  });

  it("derives spec.build.template from EdgeModelBuild's spec: every field the training does not supply, as EdgeModelBuild has it", () => {
    const supplied = new Set<string>(TRAINING_SUPPLIED);
    const expected = Object.keys(EdgeModelBuildSpecSchema.properties).filter((k) => !supplied.has(k));
    expect(Object.keys(BuildTemplateSchema.properties)).toEqual(expected);
    for (const k of expected)
      expect((BuildTemplateSchema.properties as Record<string, unknown>)[k]).toEqual(
        (EdgeModelBuildSpecSchema.properties as Record<string, unknown>)[k],
      );
    // Of EdgeModelBuild's rules, the one that holds on the template alone, the same object: the
    // calibration rule names calibration, which the template lacks (the training always supplies it).
    expect(BuildTemplateSchema["x-kubernetes-validations"]).toEqual([BUILD_SPEC_RULES.publishServable]);
    expect(EdgeModelBuildSpecSchema["x-kubernetes-validations"]).toContain(BUILD_SPEC_RULES.publishServable);
  });

  it.each<[string, Partial<FederatedTrainingSpec> & Record<string, unknown>, string]>([
    ["a strategy the Flower app does not run", { strategy: "FedYogi" as never }, "/strategy"],
    ["no rounds", { rounds: 0 }, "/rounds"],
    ["more than every device per round", { devicesPerRoundPercent: 101 }, "/devicesPerRoundPercent"],
    ["a single device", { minDevices: 1 }, "/minDevices"],
    ["a relative output path", { output: { path: "models/out" } }, "/output/path"],
    [
      "a delta of 1",
      { differentialPrivacy: { clipNorm: 1, noiseMultiplier: 1, targetEpsilon: 1, delta: 1 } },
      "/differentialPrivacy/delta",
    ],
    [
      "no noise",
      { differentialPrivacy: { clipNorm: 1, noiseMultiplier: 0, targetEpsilon: 1, delta: 1e-5 } },
      "/differentialPrivacy/noiseMultiplier",
    ],
    ["a build to a tag", { build: { ...BUILD, to: "oci://r.example/models/digits:2.0" } }, "/build/to"],
    ["a build without targets", { build: { ...BUILD, template: {} as never } }, "/build/template/targets"],
    ["a build version with a slash", { build: { ...BUILD, version: "2/0" } }, "/build/version"],
  ])("refuses %s", (_, change, path) => {
    expect(errorPaths({ ...spec, ...change })).toContain(path);
  });
});
