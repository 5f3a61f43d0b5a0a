import { readFile } from "node:fs/promises";
import type { EdgeModel, EdgeModelSpec, EdgeRuntime, ModelVariant } from "@edgefleet/api";
import { DEFAULT_ACCELERATOR_PREFERENCE, DEFAULT_RUNTIMES, edgeModel, variant } from "@edgefleet/api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { eventually, freshNamespace, testCluster } from "../helpers/kube.js";
import { GROUP_PATH, installCRDs } from "./install.js";
import { type RawResponse, rawRequest } from "./raw-api.js";

const { kc, core } = testCluster();
let ns: string;

beforeAll(async () => {
  await installCRDs(kc);
  ns = await freshNamespace(core, "crd-validation");
});

afterAll(async () => {
  await core.deleteNamespace({ name: ns });
});

/** Creates the model with dryRun=All: validated and defaulted like a real create, stored nowhere. */
function tryModel(spec: Partial<EdgeModelSpec>, name = "detector"): Promise<RawResponse> {
  const model: EdgeModel = { ...edgeModel(spec), metadata: { name, namespace: ns } };
  return rawRequest(kc, { method: "POST", path: `${GROUP_PATH}/namespaces/${ns}/edgemodels?dryRun=All`, body: model });
}

function tryRuntime(runtime: EdgeRuntime): Promise<RawResponse> {
  return rawRequest(kc, { method: "POST", path: `${GROUP_PATH}/edgeruntimes?dryRun=All`, body: runtime });
}

const onnx = variant("onnx-fp32", "onnx", "fp32", ["cpu"]);
const withArtifact = (v: ModelVariant, artifact: Partial<ModelVariant["artifact"]>): ModelVariant => ({
  ...v,
  artifact: { ...v.artifact, ...artifact },
});

describe("the EdgeModel CRD", () => {
  it("accepts a valid model, filling in the default accelerator preference", async () => {
    const res = await tryModel({ placement: { maxNodesPerClass: 2 }, rollout: { steps: [10, 50, 100] }, slo: { p95LatencySeconds: 0.05 } });
    expect(res.status, res.body.message).toBe(201);
    expect((res.body.spec as EdgeModelSpec).placement?.acceleratorPreference).toEqual(DEFAULT_ACCELERATOR_PREFERENCE);
  });

  it("accepts a variant's measured accuracy with the evaluation it was measured on", async () => {
    const evaluation = { dataset: "digits-evaluation.npz", sha256: "a".repeat(64), samples: 540 };
    const profile = { p95LatencySeconds: 0.0002, accuracy: { percent: 97.78, dropPoints: 0.37, evaluation } };
    const res = await tryModel({ variants: [{ ...onnx, profile }] });
    expect(res.status, res.body.message).toBe(201);
    expect((res.body.spec as EdgeModelSpec).variants[0]?.profile).toEqual(profile);
  });

  it.each<[string, Partial<EdgeModelSpec>, string[]]>([
    [
      "a sha256 that is not 64 lowercase hex characters",
      { variants: [withArtifact(onnx, { sha256: "Z".repeat(64) })] },
      ["spec.variants[0].artifact.sha256", "should match"],
    ],
    [
      "an unknown format",
      { variants: [{ ...onnx, format: "pytorch" as "onnx" }] },
      ["spec.variants[0].format", "Unsupported value", '"pytorch"'],
    ],
    ["no variants", { variants: [] }, ["spec.variants", "should have at least 1 items"]],
    [
      "an accuracy above 100 percent",
      { variants: [{ ...onnx, profile: { accuracy: { percent: 101, evaluation: { dataset: "digits-evaluation.npz", samples: 540 } } } }] },
      ["spec.variants[0].profile.accuracy.percent", "less than or equal to 100"],
    ],
    [
      "an accuracy without the evaluation it was measured on",
      { variants: [{ ...onnx, profile: { accuracy: { percent: 97.8 } as never } }] },
      ["spec.variants[0].profile.accuracy.evaluation", "Required value"],
    ],
    [
      "evaluation data to fetch without the sha256 to check it by",
      {
        variants: [
          {
            ...onnx,
            profile: { accuracy: { percent: 97.8, evaluation: { dataset: "e.npz", samples: 540, uri: "https://m.example.com/e.npz" } } },
          },
        ],
      },
      ["spec.variants[0].profile.accuracy.evaluation.uri", "evaluation.uri needs evaluation.sha256"],
    ],
    ["two variants of one name", { variants: [onnx, { ...onnx, precision: "int8" }] }, ["spec.variants[1]", "Duplicate value"]],
    ["a rollout percent out of range", { rollout: { steps: [0, 100] } }, ["spec.rollout.steps[0]", "greater than or equal to 1"]],
    ["a rollout percent above 100", { rollout: { steps: [50, 101] } }, ["spec.rollout.steps[1]", "less than or equal to 100"]],
    [
      "rollout steps that do not increase",
      { rollout: { steps: [50, 10, 100] } },
      ["spec.rollout.steps", "rollout.steps must be strictly increasing"],
    ],
    ["a repeated rollout step", { rollout: { steps: [50, 50, 100] } }, ["spec.rollout.steps", "rollout.steps must be strictly increasing"]],
    ["rollout steps that stop short of 100", { rollout: { steps: [10, 50] } }, ["spec.rollout.steps", "rollout.steps must end at 100"]],
    [
      "a TensorRT variant for the CPU",
      { variants: [variant("trt", "tensorrt", "fp16", ["nvidia-gpu", "cpu"])] },
      ["spec.variants[0].requirements.accelerators", "format tensorrt runs only on nvidia-gpu"],
    ],
    [
      "an Edge TPU variant that is not tflite int8",
      { variants: [variant("x", "onnx", "int8", ["edgetpu"])] },
      ["spec.variants[0].requirements.accelerators", "the Edge TPU runs only tflite int8"],
    ],
    [
      "a compute capability on a CPU-only variant",
      { variants: [variant("x", "onnx", "fp32", ["cpu"], { minComputeCapability: "8.7" })] },
      ["spec.variants[0].requirements.minComputeCapability", "applies only to variants whose accelerators include nvidia-gpu"],
    ],
    [
      "an empty runtimeVersion",
      { variants: [variant("x", "onnx", "fp32", ["cpu"], { runtimeVersion: {} })] },
      ["spec.variants[0].requirements.runtimeVersion", "needs min, max or both"],
    ],
    [
      "an accelerator preferred twice",
      { placement: { acceleratorPreference: ["cpu", "edgetpu", "cpu"] } },
      ["spec.placement.acceleratorPreference", "must not list an accelerator twice"],
    ],
    ["a latency SLO of zero", { slo: { p95LatencySeconds: 0 } }, ["spec.slo.p95LatencySeconds", "greater than 0"]],
    [
      "an artifact URI of an unsupported scheme",
      { variants: [withArtifact(onnx, { uri: "ftp://example.com/m.onnx" })] },
      ["spec.variants[0].artifact.uri", "should match"],
    ],
    // No device fetches these: the API refuses them rather than every device.
    ...["s3://bucket/m.onnx", "gs://bucket/m.onnx", "pvc://claim/m.onnx", "oci://ghcr.io/acme/detector"].map(
      (uri): [string, Partial<EdgeModelSpec>, string[]] => [
        `the artifact URI ${uri}`,
        { variants: [withArtifact(onnx, { uri })] },
        ["spec.variants[0].artifact.uri", "should match"],
      ],
    ),
  ])("rejects %s, naming the field", async (_, spec, expected) => {
    const res = await tryModel(spec);
    expect(res.status, JSON.stringify(res.body)).toBe(422);
    for (const text of expected) expect(res.body.message).toContain(text);
  });

  it("accepts packages/operator/examples/detector.yaml as it is", async () => {
    const text = await readFile(new URL("../../packages/operator/examples/detector.yaml", import.meta.url), "utf8");
    for (const doc of parseAllDocuments(text).map((d) => d.toJSON() as EdgeModel)) {
      const res = await rawRequest(kc, {
        method: "POST",
        path: `${GROUP_PATH}/namespaces/${ns}/edgemodels?dryRun=All`,
        body: { ...doc, metadata: { ...doc.metadata, namespace: ns } },
      });
      expect(res.status, res.body.message).toBe(201);
    }
  });

  it("rejects a name too long to be a label value on its workloads", async () => {
    const res = await tryModel({}, "m".repeat(64));
    expect(res.status).toBe(422);
    expect(res.body.message).toContain("metadata.name must be at most 63 characters");
  });

  it("publishes field descriptions for kubectl explain", async () => {
    const description = await eventually("EdgeModel in the OpenAPI v3 document", async () => {
      const { status, body } = await rawRequest(kc, { method: "GET", path: "/openapi/v3/apis/edgefleet.io/v1alpha1" });
      const schemas = (
        body.components as
          | { schemas?: Record<string, { properties?: Record<string, { properties?: Record<string, { description?: string }> }> }> }
          | undefined
      )?.schemas;
      return status === 200 ? schemas?.["io.edgefleet.v1alpha1.EdgeModel"]?.properties?.spec?.properties?.variants?.description : undefined;
    });
    expect(description).toContain("Builds of the model for different hardware");
  });
});

describe("the EdgeRuntime CRD", () => {
  it.each(DEFAULT_RUNTIMES.map((r) => [r.metadata.name, r] as const))("accepts the default catalog's %s runtime", async (_, runtime) => {
    // Under a name of its own: the operator's suites install the catalog itself into the shared cluster.
    const res = await tryRuntime({ ...runtime, metadata: { ...runtime.metadata, name: `${runtime.metadata.name}-dry-run` } });
    expect(res.status, res.body.message).toBe(201);
  });

  it("reserves EDGEFLEET_ environment variables for the operator", async () => {
    const [base] = DEFAULT_RUNTIMES;
    if (!base) throw new Error("empty catalog");
    const res = await tryRuntime({
      ...base,
      metadata: { name: "bad-env" },
      spec: { ...base.spec, env: [{ name: "EDGEFLEET_VARIANT", value: "x" }] },
    });
    expect(res.status).toBe(422);
    expect(res.body.message).toContain("spec.env[0].name");
    expect(res.body.message).toContain("env names starting with EDGEFLEET_ are reserved for the operator");
  });

  it("takes device sharing only on an accelerator that requests a device, 2 to 64 models", async () => {
    const [base] = DEFAULT_RUNTIMES;
    if (!base) throw new Error("empty catalog");
    const withBinding = (name: string, binding: EdgeRuntime["spec"]["accelerators"][number]) =>
      tryRuntime({ ...base, metadata: { name }, spec: { ...base.spec, accelerators: [binding] } });
    const shared = await withBinding("shared-gpu", { kind: "nvidia-gpu", resources: { "nvidia.com/gpu": 1 }, sharing: { maxModels: 4 } });
    expect(shared.status, shared.body.message).toBe(201);
    const cpu = await withBinding("shared-cpu", { kind: "cpu", sharing: { maxModels: 4 } });
    expect(cpu.status).toBe(422);
    expect(cpu.body.message).toContain("spec.accelerators[0].sharing");
    expect(cpu.body.message).toContain("accelerators[].sharing needs resources");
    const one = await withBinding("shared-one", { kind: "nvidia-gpu", resources: { "nvidia.com/gpu": 1 }, sharing: { maxModels: 1 } });
    expect(one.status).toBe(422);
    expect(one.body.message).toContain("spec.accelerators[0].sharing.maxModels");
  });

  it("takes a model repository layout only for the formats it lays out (Triton's: TensorRT and ONNX)", async () => {
    const trt = DEFAULT_RUNTIMES.find((r) => r.metadata.name === "tensorrt");
    if (!trt) throw new Error("no tensorrt runtime in the catalog");
    // One Triton per model (the catalog's serves several models from one process: serving Shared).
    const perModel = { ...trt.spec, serving: "PerModel" as const };
    const triton = await tryRuntime({
      ...trt,
      metadata: { name: "triton-layout" },
      spec: { ...perModel, modelRepository: { layout: "triton" } },
    });
    expect(triton.status, triton.body.message).toBe(201);
    const ir = await tryRuntime({
      ...trt,
      metadata: { name: "triton-ir" },
      spec: { ...perModel, supportedFormats: [{ format: "openvino", precisions: ["fp16"] }], modelRepository: { layout: "triton" } },
    });
    expect(ir.status).toBe(422);
    expect(ir.body.message).toContain("spec.modelRepository");
    expect(ir.body.message).toContain("modelRepository.layout triton lays out tensorrt and onnx files only");
  });

  it("takes serving Shared only for what a shared server and the model loader can do, naming the rule", async () => {
    const trt = DEFAULT_RUNTIMES.find((r) => r.metadata.name === "tensorrt");
    if (!trt) throw new Error("no tensorrt runtime in the catalog");
    const gpu = { kind: "nvidia-gpu", resources: { "nvidia.com/gpu": 1 } } as const;
    const shared = (name: string, spec: Partial<EdgeRuntime["spec"]>) =>
      tryRuntime({
        ...trt,
        metadata: { name },
        spec: { ...trt.spec, serving: "Shared", accelerators: [{ ...gpu, sharing: { maxModels: 4 } }], ...spec },
      });
    const ok = await shared("shared-ok", {});
    expect(ok.status, ok.body.message).toBe(201);
    const cases: [string, Partial<EdgeRuntime["spec"]>, string][] = [
      [
        "shared-ir",
        { supportedFormats: [{ format: "openvino", precisions: ["fp16"] }] },
        "serving Shared loads tensorrt and onnx files only",
      ],
      ["shared-layout", { modelRepository: { layout: "triton" } }, "a shared server reads no per-pod modelRepository"],
      ["shared-unshared", { accelerators: [gpu] }, "each accelerator with resources needs sharing.maxModels"],
      ["shared-noport", { ports: [{ name: "grpc", containerPort: 8001 }] }, "the model loaders reach the server on its port named http"],
    ];
    for (const [name, spec, message] of cases) {
      const res = await shared(name, spec);
      expect(res.status, name).toBe(422);
      expect(res.body.message).toContain("spec.serving");
      expect(res.body.message).toContain(message);
    }
  });

  it("takes tolerations as a Pod does, refusing a value with Exists and Equal without a key", async () => {
    const tolerate = (tolerations: NonNullable<NonNullable<EdgeModelSpec["placement"]>["tolerations"]>) =>
      tryModel({ placement: { tolerations } });
    const ok = await tolerate([
      { key: "edgefleet.io/build-node", operator: "Exists", effect: "NoSchedule" },
      { key: "k", value: "v" },
      { operator: "Exists" },
    ]);
    expect(ok.status, ok.body.message).toBe(201);
    const withValue = await tolerate([{ key: "k", operator: "Exists", value: "v" }]);
    expect(withValue.status).toBe(422);
    expect(withValue.body.message).toContain("spec.placement.tolerations[0]");
    expect(withValue.body.message).toContain("a toleration with operator Exists takes no value");
    const noKey = await tolerate([{ value: "v" }]);
    expect(noKey.status).toBe(422);
    expect(noKey.body.message).toContain("a toleration without key needs operator Exists");
  });
});
