import type { TSchema } from "@sinclair/typebox";
import { Value } from "@sinclair/typebox/value";
import { describe, expect, it } from "vitest";
import { DEFAULT_RUNTIMES } from "./catalog/default-runtimes.js";
import { type EdgeModelSpec, EdgeModelSpecSchema } from "./edgemodel.js";
import { EdgeRuntimeSpecSchema } from "./edgeruntime.js";
import { edgeModel } from "./testing/models.js";
import { ACCELERATORS } from "./vocabulary.js";

// The schema checks TypeBox can run (types, enums, patterns, bounds); CEL rules need an API server
// and are covered by test/operator/crd-validation.test.ts.
const first = (spec: EdgeModelSpec) => {
  const [v] = spec.variants;
  if (!v) throw new Error("the fixture has no variants");
  return v;
};
const errorPaths = (schema: TSchema, value: unknown) => [...Value.Errors(schema, value)].map((e) => e.path);

describe("EdgeModel spec schema", () => {
  const spec = edgeModel({
    placement: { nodeSelector: { "edgefleet.io/site": "factory-a" }, classLimits: [{ hardwareClass: "jetson-orin", maxNodes: 2 }] },
    resources: { requests: { cpu: "500m", memory: 1073741824 } },
    slo: { p95LatencySeconds: 0.05, maxPowerWatts: 15, maxTemperatureCelsius: 85 },
    rollout: { steps: [10, 50, 100], pauseSeconds: 300, analysis: { windowSeconds: 300, minSamples: 100, maxFailures: 2 } },
  }).spec;

  it("accepts a complete model", () => {
    expect(errorPaths(EdgeModelSpecSchema, spec)).toEqual([]);
  });

  it("accepts only artifact URIs devices fetch: https:// and oci:// with a tag or digest", () => {
    const digest = `sha256:${"a".repeat(64)}`;
    const uriErrors = (uri: string) => {
      const s = structuredClone(spec);
      Object.assign(first(s).artifact, { uri });
      return errorPaths(EdgeModelSpecSchema, s).filter((p) => p.endsWith("/artifact/uri"));
    };
    const good = [
      "https://models.example.com/detector.onnx",
      "oci://ghcr.io/acme/models/detector:ov-int8",
      `oci://localhost:5000/detector@${digest}`,
      `oci://registry.example/a/b:1.0@${digest}`,
    ];
    for (const uri of good) expect(uriErrors(uri), uri).toEqual([]);
    const bad = [
      "s3://bucket/detector.onnx",
      "gs://bucket/detector.onnx",
      "pvc://claim/detector.onnx",
      "http://models.example.com/detector.onnx",
      "oci://ghcr.io/acme/detector",
      "oci://ghcr.io/Acme/detector:1",
      "oci://ghcr.io/acme/detector@sha256:abc",
    ];
    for (const uri of bad) expect(uriErrors(uri), uri).toEqual(["/variants/0/artifact/uri"]);
  });

  it.each<[string, (s: EdgeModelSpec) => void, string]>([
    [
      "a sha256 that is not 64 lowercase hex characters",
      (s) => void Object.assign(first(s).artifact, { sha256: "ABC" }),
      "/variants/0/artifact/sha256",
    ],
    ["an unknown format", (s) => void Object.assign(first(s), { format: "pytorch" }), "/variants/0/format"],
    ["no variants", (s) => void s.variants.splice(0), "/variants"],
    ["a rollout step above 100", (s) => void s.rollout?.steps?.push(101), "/rollout/steps/3"],
    [
      "an artifact URI without a supported scheme",
      (s) => void Object.assign(first(s).artifact, { uri: "ftp://x" }),
      "/variants/0/artifact/uri",
    ],
    ["a zero latency SLO", (s) => void Object.assign(s.slo ?? {}, { p95LatencySeconds: 0 }), "/slo/p95LatencySeconds"],
    [
      "an accuracy above 100 percent",
      (s) => void Object.assign(first(s), { profile: { accuracy: { percent: 100.5, evaluation: { dataset: "eval.npz", samples: 10 } } } }),
      "/variants/0/profile/accuracy/percent",
    ],
    [
      "an accuracy without its evaluation",
      (s) => void Object.assign(first(s), { profile: { accuracy: { percent: 98 } } }),
      "/variants/0/profile/accuracy/evaluation",
    ],
    [
      "evaluation data devices cannot fetch",
      (s) =>
        void Object.assign(first(s), {
          profile: { accuracy: { percent: 98, evaluation: { dataset: "eval.npz", samples: 10, uri: "http://plain.example.com/e.npz" } } },
        }),
      "/variants/0/profile/accuracy/evaluation/uri",
    ],
  ])("rejects %s at the field", (_, mutate, path) => {
    const bad = structuredClone(spec);
    mutate(bad);
    expect(errorPaths(EdgeModelSpecSchema, bad)).toContain(path);
  });
});

describe("the default EdgeRuntime catalog", () => {
  it("conforms to the EdgeRuntime schema, with unique names", () => {
    for (const runtime of DEFAULT_RUNTIMES) expect(errorPaths(EdgeRuntimeSpecSchema, runtime.spec), runtime.metadata.name).toEqual([]);
    expect(new Set(DEFAULT_RUNTIMES.map((r) => r.metadata.name)).size).toBe(DEFAULT_RUNTIMES.length);
  });

  it("serves every accelerator, each with the extended resource its device plugin advertises", () => {
    const bindings = DEFAULT_RUNTIMES.flatMap((r) =>
      r.spec.accelerators.map((b) => [b.kind, Object.keys(b.resources ?? {})[0] ?? "-"] as const),
    );
    expect(new Set(bindings.map(([kind]) => kind))).toEqual(new Set(ACCELERATORS));
    expect(new Map(bindings.filter(([kind]) => kind !== "cpu"))).toEqual(
      new Map([
        ["nvidia-gpu", "nvidia.com/gpu"],
        ["edgetpu", "coral.ai/tpu"],
        ["intel-npu", "npu.intel.com/accel"],
        ["intel-gpu", "gpu.intel.com/i915"],
      ]),
    );
  });
});
