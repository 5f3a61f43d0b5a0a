import { DEFAULT_RUNTIMES } from "./catalog/default-runtimes.js";
import type { EdgeModel, ModelVariant, VariantProfile } from "./edgemodel.js";
import type { BuildTarget } from "./edgemodelbuild.js";

/*
 * A build's targets as a new EdgeModel version, pure: what `tools/edgefleet model publish` and the
 * operator's EdgeModelBuild controller (spec.publish) both write, so the two paths cannot drift.
 */

/**
 * What each build target is as an EdgeModel variant, best first: the planner tries a model's
 * variants in order on each accelerator, so a CPU class runs the first written of the ONNX builds
 * (static int8, dynamic int8, the source), the Intel classes (intel-nuc: an NPU and a GPU) the
 * OpenVINO IR, and the Edge TPU class (rpi5-coral) the int8 .tflite, as the local platform's sample
 * model maps them (tools/src/platform/edgemodel.ts). The .tflite is not compiled for the Edge TPU
 * (edgetpu_compiler): the TFLite runtime serves it with LiteRT's interpreter on the device's CPU.
 * The fp32 .tflite comes after every ONNX build for CPUs: a CPU class runs it only when the build
 * wrote none of those.
 */
export const TARGET_VARIANTS: readonly {
  target: BuildTarget;
  format: "onnx" | "openvino" | "tflite";
  precision: "fp32" | "fp16" | "int8";
  accelerators: ModelVariant["requirements"]["accelerators"];
}[] = [
  { target: "openvino-int8", format: "openvino", precision: "int8", accelerators: ["intel-npu", "intel-gpu"] },
  { target: "openvino-fp16", format: "openvino", precision: "fp16", accelerators: ["intel-npu", "intel-gpu"] },
  { target: "tflite-int8", format: "tflite", precision: "int8", accelerators: ["edgetpu"] },
  { target: "onnx-int8-static", format: "onnx", precision: "int8", accelerators: ["cpu"] },
  { target: "onnx-int8-dynamic", format: "onnx", precision: "int8", accelerators: ["cpu"] },
  { target: "onnx-fp32", format: "onnx", precision: "fp32", accelerators: ["cpu"] },
  { target: "onnx-fp16", format: "onnx", precision: "fp16", accelerators: ["cpu"] },
  { target: "tflite-fp32", format: "tflite", precision: "fp32", accelerators: ["cpu"] },
];

/** Whether an EdgeRuntime of edgefleet's default catalog serves the format at the precision. */
const served = (format: string, precision: ModelVariant["precision"]) =>
  DEFAULT_RUNTIMES.some((r) => r.spec.supportedFormats.some((f) => f.format === format && f.precisions.includes(precision)));

/** The targets a runtime of the default catalog serves, in variant order: the only ones published. */
export const PUBLISHABLE_TARGETS: readonly BuildTarget[] = TARGET_VARIANTS.filter((v) => served(v.format, v.precision)).map(
  (v) => v.target,
);

/** The targets no runtime of the default catalog serves, each with why it is not published. */
export function unpublishedReason(target: BuildTarget): string | undefined {
  const v = TARGET_VARIANTS.find((x) => x.target === target);
  return v && !PUBLISHABLE_TARGETS.includes(target)
    ? `${target}: no EdgeRuntime of the default catalog serves ${v.format} ${v.precision}`
    : undefined;
}

/** The repository a publication pushes to: oci://registry[:port]/repository, without a tag or digest. */
export const PUBLISH_TO_PATTERN = "^oci://[^/]+/[^:@]+$";

/** What a build measured of one target, as a variant's profile takes it. */
export interface MeasuredBuild {
  target: BuildTarget;
  accuracyPercent: number;
  accuracyDropPoints: number;
  p95LatencySeconds: number;
  evaluationSamples: number;
}

/** The evaluation data a build was measured on: its file name and sha256, and where devices fetch it to score the variant. */
export interface EvaluationData {
  dataset: string;
  sha256: string;
  uri?: string;
}

/** A variant's profile from what the build measured: p95 latency, and accuracy with the evaluation data it is over. */
export function variantProfile(b: MeasuredBuild, evaluation: EvaluationData): VariantProfile {
  return {
    p95LatencySeconds: b.p95LatencySeconds,
    accuracy: {
      percent: b.accuracyPercent,
      dropPoints: b.accuracyDropPoints,
      evaluation: {
        dataset: evaluation.dataset,
        sha256: evaluation.sha256,
        samples: b.evaluationSamples,
        ...(evaluation.uri ? { uri: evaluation.uri } : {}),
      },
    },
  };
}

/** An artifact as pushed: the EdgeModel artifact's fields, its signature a layer at signatureUri. */
export type PushedFile = Omit<ModelVariant["artifact"], "signature" | "pullSecretRef"> & { signatureUri: string };

/** The model's variants whose names none of the published builds take, in the model's order. */
export function keptVariants(model: EdgeModel, replaced: ReadonlySet<string>): ModelVariant[] {
  return model.spec.variants.filter((v) => !replaced.has(v.name));
}

const DOTTED = /^\d+(\.\d+)*$/;

/** a − b for dotted numeric versions ("2026.11.2", "2.0"); undefined when either is not one, as their order is then unknown. */
export function compareVersions(a: string, b: string): number | undefined {
  if (!DOTTED.test(a) || !DOTTED.test(b)) return undefined;
  const x = a.split(".").map(Number);
  const y = b.split(".").map(Number);
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const d = (x[i] ?? 0) - (y[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/**
 * Why a publication cannot make a new version of the model, before anything is pushed or
 * applied; undefined when it can. `field` names where the version came from (--version, spec.version).
 */
export function publicationProblem(model: EdgeModel, version: string, builds: number, field: string): string | undefined {
  const current = model.spec.version;
  if (version === current) return `${field} ${version} is the model's current spec.version: give the new version's`;
  const order = compareVersions(version, current);
  if (order !== undefined && order < 0)
    return `${field} ${version} is older than the model's current spec.version ${current}: give a newer version`;
  if (builds === 0) return "the build wrote no target that a runtime of the default catalog serves: nothing to publish";
  return undefined;
}

/**
 * The model's next version: the published builds, best first, then the model's variants the builds
 * do not replace (a TensorRT engine, say), as they were but for their artifact, pushed again with a
 * signature for the new version (the old one names the old version, so devices would refuse it).
 * Placement, rollout and SLO stay as they are; every signature's key Secret and the registry pull
 * Secret are the model's first variant's, when it has them. Labels are kept; annotations (kubectl's
 * last-applied configuration among them) and status are not.
 */
export function nextVersion(
  model: EdgeModel,
  version: string,
  published: readonly { build: MeasuredBuild; artifact: PushedFile }[],
  evaluation: EvaluationData,
  publicKeyRef: { name: string; key: string },
  kept: readonly { variant: ModelVariant; artifact: PushedFile }[] = [],
): EdgeModel {
  const first = model.spec.variants[0]?.artifact;
  const keyRef = first?.signature?.publicKeyRef ?? publicKeyRef;
  const artifactOf = ({ signatureUri, ...file }: PushedFile): ModelVariant["artifact"] => ({
    ...file,
    signature: { uri: signatureUri, publicKeyRef: keyRef },
    ...(first?.pullSecretRef ? { pullSecretRef: first.pullSecretRef } : {}),
  });
  const builds = published.map(({ build, artifact }): ModelVariant => {
    const v = TARGET_VARIANTS.find((x) => x.target === build.target);
    if (!v) throw new Error(`no variant for target ${build.target}`);
    return {
      name: v.target,
      format: v.format,
      precision: v.precision,
      artifact: artifactOf(artifact),
      requirements: { accelerators: v.accelerators },
      profile: variantProfile(build, evaluation),
    };
  });
  const variants = [...builds, ...kept.map(({ variant, artifact }) => ({ ...variant, artifact: artifactOf(artifact) }))];
  // Not the server's fields (resourceVersion, uid, status) nor annotations (kubectl's last-applied).
  const { name, namespace, labels } = model.metadata ?? {};
  return {
    apiVersion: model.apiVersion,
    kind: model.kind,
    metadata: { ...(name ? { name } : {}), ...(namespace ? { namespace } : {}), ...(labels ? { labels } : {}) },
    spec: { ...model.spec, version, variants },
  };
}
