import { DEFAULT_RUNTIMES, type EdgeModel, type ModelVariant, type VariantProfile } from "@edgefleet/api";
import type { BuildResult, Target, TargetResult } from "./result.js";

/**
 * What each build target is as an EdgeModel variant, best first: the planner tries a model's
 * variants in order on each accelerator, so a CPU class runs the first written of the ONNX builds
 * (static int8, dynamic int8, the source), and the Intel classes (intel-nuc: an NPU and a GPU) the
 * OpenVINO IR, as the local platform's sample model maps them (tools/src/platform/edgemodel.ts).
 */
const VARIANTS: readonly { target: Target; format: "onnx" | "openvino"; precision: "fp32" | "fp16" | "int8"; accelerators: string[] }[] = [
  { target: "openvino-int8", format: "openvino", precision: "int8", accelerators: ["intel-npu", "intel-gpu"] },
  { target: "openvino-fp16", format: "openvino", precision: "fp16", accelerators: ["intel-npu", "intel-gpu"] },
  { target: "onnx-int8-static", format: "onnx", precision: "int8", accelerators: ["cpu"] },
  { target: "onnx-int8-dynamic", format: "onnx", precision: "int8", accelerators: ["cpu"] },
  { target: "onnx-fp32", format: "onnx", precision: "fp32", accelerators: ["cpu"] },
  { target: "onnx-fp16", format: "onnx", precision: "fp16", accelerators: ["cpu"] },
];

/** Whether an EdgeRuntime of edgefleet's default catalog serves the format at the precision. */
const served = (format: string, precision: ModelVariant["precision"]) =>
  DEFAULT_RUNTIMES.some((r) => r.spec.supportedFormats.some((f) => f.format === format && f.precisions.includes(precision)));

export interface Publishable {
  /** The written builds to publish, best first; the variant is named as its target. */
  targets: TargetResult[];
  /** Written builds left out, each with why. */
  skipped: string[];
}

/** The written builds of a result that become variants, in variant order, and the ones no runtime would serve. */
export function publishable(result: BuildResult): Publishable {
  const targets: TargetResult[] = [];
  const skipped: string[] = [];
  for (const v of VARIANTS) {
    const t = result.targets.find((x) => x.target === v.target && x.verdict === "written");
    if (!t) continue;
    if (served(v.format, v.precision)) targets.push(t);
    else skipped.push(`${v.target}: no EdgeRuntime of the default catalog serves ${v.format} ${v.precision}`);
  }
  return { targets, skipped };
}

/** Refuses, before anything is pushed, a publication that cannot make a new version. */
export function checkPublication(model: EdgeModel, version: string, p: Publishable): void {
  if (version === model.spec.version) throw new Error(`--version ${version} is the model's current spec.version: give the new version's`);
  if (p.targets.length === 0) throw new Error("the build wrote no target that a runtime of the default catalog serves: nothing to publish");
}

/** A variant's profile from what the build measured: p95 latency, and accuracy with the evaluation data it is over. */
export function variantProfile(t: TargetResult, evaluation: BuildResult["evaluation"]): VariantProfile {
  return {
    p95LatencySeconds: t.latencyMs.p95 / 1000,
    accuracy: {
      percent: t.accuracyPercent,
      dropPoints: t.accuracyDropPoints,
      evaluation: { dataset: evaluation.dataset, sha256: evaluation.sha256, samples: t.evaluationSamples },
    },
  };
}

/**
 * The model's next version made of the published builds. Only these variants: the model's other
 * ones (a TensorRT engine, say) are files of the old version, whose signatures name it, so devices
 * would refuse them under the new one. Placement, rollout and SLO stay as they are; the signature's
 * key Secret and registry pull Secret are the model's first variant's, when it has them. Labels
 * are kept; annotations (kubectl's last-applied configuration among them) and status are not.
 */
export function nextVersion(
  model: EdgeModel,
  version: string,
  published: readonly {
    target: TargetResult;
    artifact: Omit<ModelVariant["artifact"], "signature" | "pullSecretRef"> & { signatureUri: string };
  }[],
  evaluation: BuildResult["evaluation"],
  publicKeyRef: { name: string; key: string },
): EdgeModel {
  const first = model.spec.variants[0]?.artifact;
  const keyRef = first?.signature?.publicKeyRef ?? publicKeyRef;
  const variants = published.map(({ target, artifact }): ModelVariant => {
    const v = VARIANTS.find((x) => x.target === target.target);
    if (!v) throw new Error(`no variant for target ${target.target}`);
    const { signatureUri, ...file } = artifact;
    return {
      name: v.target,
      format: v.format,
      precision: v.precision,
      artifact: {
        ...file,
        signature: { uri: signatureUri, publicKeyRef: keyRef },
        ...(first?.pullSecretRef ? { pullSecretRef: first.pullSecretRef } : {}),
      },
      requirements: { accelerators: v.accelerators as ModelVariant["requirements"]["accelerators"] },
      profile: variantProfile(target, evaluation),
    };
  });
  // Not the server's fields (resourceVersion, uid, status) nor annotations (kubectl's last-applied).
  const { name, namespace, labels } = model.metadata ?? {};
  return {
    apiVersion: model.apiVersion,
    kind: model.kind,
    metadata: { ...(name ? { name } : {}), ...(namespace ? { namespace } : {}), ...(labels ? { labels } : {}) },
    spec: { ...model.spec, version, variants },
  };
}
