import { BUILD_TARGETS, type BuildTarget } from "@edgefleet/api";
import { table } from "../table.js";

/** The builds `tools/edgefleet model build` makes of an ONNX source model (docs/model-builds.md): the EdgeModelBuild CRD's list. */
export const TARGETS = BUILD_TARGETS;
export type Target = BuildTarget;

/** The file a target writes for a source model named stem: an ONNX model, the OpenVINO runtime's IR artifact (a tar), or a .tflite file. */
export function targetFileName(stem: string, target: Target): string {
  if (target.startsWith("onnx-")) return `${stem}-${target.slice("onnx-".length)}.onnx`;
  return `${stem}-${target}.${target.startsWith("tflite-") ? "tflite" : "tar"}`;
}
/** The source model as it is: the baseline every other target's accuracy drop is measured against. */
export const SOURCE_TARGET: Target = "onnx-fp32";

/** One build as build.py measured it with ONNX Runtime on this CPU. */
export interface Measurement {
  target: Target;
  /** Where build.py wrote it (a scratch directory). */
  file: string;
  sizeBytes: number;
  /** Percent of the evaluation samples classified right. */
  accuracyPercent: number;
  /** One inference (one sample), after warm-up runs. */
  latencyMs: { p50: number; p95: number };
  evaluationSamples: number;
}

/** What build.py prints on stdout. */
export interface Measurements {
  onnxruntime: string;
  /** The OpenVINO version, when an OpenVINO target was built (and measured with it). */
  openvino?: string;
  /** The TensorFlow version, when a TFLite target was built (converted with it). */
  tensorflow?: string;
  threads: number;
  calibrationSamples: number;
  targets: Measurement[];
}

export interface TargetResult extends Omit<Measurement, "file"> {
  /** Percentage points lost against the source (negative: it gained). */
  accuracyDropPoints: number;
  /** Its size over the source's. */
  sizeRatio: number;
  verdict: "written" | "refused";
  /** Where it was written, when it was. */
  file?: string;
  /** Why it was refused, when it was. */
  reason?: string;
}

/** The evaluation data a build was measured on: named in the published variants' profile.accuracy. */
export interface EvaluationData {
  /** Its file name. */
  dataset: string;
  sha256: string;
}

/** The result of one build run: what build-result.json holds and --json prints. */
export interface BuildResult {
  model: string;
  evaluation: EvaluationData;
  onnxruntime: string;
  openvino?: string;
  tensorflow?: string;
  threads: number;
  calibrationSamples: number;
  maxAccuracyDropPoints: number;
  targets: TargetResult[];
}

/** build.py's output, checked: a wrong shape names the field, so a change on one side shows at once. */
export function parseMeasurements(text: string): Measurements {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new Error(`build.py printed no JSON measurements: ${JSON.stringify(text.slice(0, 200))}`);
  }
  const o = object(raw, "measurements");
  const targets = o.targets;
  if (!Array.isArray(targets) || targets.length === 0) throw new Error("measurements.targets must be a non-empty array");
  return {
    onnxruntime: string(o.onnxruntime, "measurements.onnxruntime"),
    ...(o.openvino === undefined ? {} : { openvino: string(o.openvino, "measurements.openvino") }),
    ...(o.tensorflow === undefined ? {} : { tensorflow: string(o.tensorflow, "measurements.tensorflow") }),
    threads: number(o.threads, "measurements.threads"),
    calibrationSamples: number(o.calibrationSamples, "measurements.calibrationSamples"),
    targets: targets.map((t, i) => {
      const at = `measurements.targets[${i}]`;
      const m = object(t, at);
      const target = string(m.target, `${at}.target`);
      if (!(TARGETS as readonly string[]).includes(target))
        throw new Error(`${at}.target must be one of ${TARGETS.join(", ")}, got ${target}`);
      const latency = object(m.latencyMs, `${at}.latencyMs`);
      return {
        target: target as Target,
        file: string(m.file, `${at}.file`),
        sizeBytes: number(m.sizeBytes, `${at}.sizeBytes`),
        accuracyPercent: number(m.accuracyPercent, `${at}.accuracyPercent`),
        latencyMs: { p50: number(latency.p50, `${at}.latencyMs.p50`), p95: number(latency.p95, `${at}.latencyMs.p95`) },
        evaluationSamples: number(m.evaluationSamples, `${at}.evaluationSamples`),
      };
    }),
  };
}

/**
 * The accuracy gate: each requested target is written unless it loses more than maxDropPoints
 * percentage points of accuracy against the source. `output(target)` names where a written one goes.
 */
export function gate(
  m: Measurements,
  requested: readonly Target[],
  maxDropPoints: number,
  output: (target: Target) => string,
): Omit<BuildResult, "model" | "evaluation"> {
  const source = m.targets.find((t) => t.target === SOURCE_TARGET);
  if (!source) throw new Error(`the measurements have no ${SOURCE_TARGET} (the source) to measure the others against`);
  const targets = requested.map((target): TargetResult => {
    const t = m.targets.find((x) => x.target === target);
    if (!t) throw new Error(`the measurements have no ${target}`);
    const { file: _scratch, ...measured } = t;
    const accuracyDropPoints = source.accuracyPercent - t.accuracyPercent;
    const common = { ...measured, accuracyDropPoints, sizeRatio: t.sizeBytes / source.sizeBytes };
    if (accuracyDropPoints > maxDropPoints)
      return {
        ...common,
        verdict: "refused",
        reason: `accuracy ${fixed(t.accuracyPercent)}% is ${fixed(accuracyDropPoints)} points below the source's ${fixed(source.accuracyPercent)}%, more than --max-accuracy-drop ${maxDropPoints}`,
      };
    return { ...common, verdict: "written", file: output(target) };
  });
  return {
    onnxruntime: m.onnxruntime,
    ...(m.openvino === undefined ? {} : { openvino: m.openvino }),
    ...(m.tensorflow === undefined ? {} : { tensorflow: m.tensorflow }),
    threads: m.threads,
    calibrationSamples: m.calibrationSamples,
    maxAccuracyDropPoints: maxDropPoints,
    targets,
  };
}

/** The readable table of a result. */
export function resultTable(r: BuildResult): string {
  const rows = [["TARGET", "SIZE", "VS SOURCE", "ACCURACY", "DROP", "P50", "P95", "RESULT"]];
  for (const t of r.targets)
    rows.push([
      t.target,
      `${(t.sizeBytes / 1024).toFixed(1)} KiB`,
      `${(t.sizeRatio * 100).toFixed(0)}%`,
      `${fixed(t.accuracyPercent)}%`,
      `${fixed(t.accuracyDropPoints)} pt`,
      `${(t.latencyMs.p50 * 1000).toFixed(0)} µs`,
      `${(t.latencyMs.p95 * 1000).toFixed(0)} µs`,
      t.verdict === "written" ? `written ${t.file}` : "REFUSED",
    ]);
  const samples = r.targets[0]?.evaluationSamples ?? 0;
  const engines = [
    `ONNX Runtime ${r.onnxruntime}`,
    ...(r.openvino ? [`OpenVINO ${r.openvino} for the openvino targets`] : []),
    ...(r.tensorflow ? ["LiteRT's interpreter for the tflite targets"] : []),
  ];
  const notes = [
    `Accuracy on ${samples} evaluation samples; latency of one inference with ${engines.join(", ")} on this CPU, ${r.threads} thread(s); the static int8 targets calibrated on ${r.calibrationSamples} samples.`,
    ...r.targets.filter((t) => t.reason).map((t) => `${t.target} refused: ${t.reason}.`),
  ];
  return `${table(rows)}\n\n${notes.join("\n")}\n`;
}

const fixed = (n: number) => n.toFixed(2);

function object(v: unknown, at: string): Record<string, unknown> {
  if (typeof v !== "object" || v === null || Array.isArray(v)) throw new Error(`${at} must be an object`);
  return v as Record<string, unknown>;
}
function string(v: unknown, at: string): string {
  if (typeof v !== "string") throw new Error(`${at} must be a string, got ${JSON.stringify(v)}`);
  return v;
}
function number(v: unknown, at: string): number {
  if (typeof v !== "number" || !Number.isFinite(v)) throw new Error(`${at} must be a number, got ${JSON.stringify(v)}`);
  return v;
}
