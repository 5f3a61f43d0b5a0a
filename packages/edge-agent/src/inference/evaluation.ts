import { parseNpz } from "./npz.js";
import type { TensorMetadata } from "./synthetic.js";

/** The default bound on an evaluation data file, fetched or read, and on each array in it inflated. */
export const DEFAULT_EVALUATION_MAX_BYTES = 16 * 1024 * 1024;

/** Labelled evaluation samples: what a build measured a variant's accuracy on (`inputs` and `labels` of its .npz). */
export interface EvaluationSet {
  /** Each sample's shape, without the leading sample axis. */
  readonly sampleShape: readonly number[];
  readonly inputs: Float32Array;
  readonly labels: readonly number[];
}

/** Reads an evaluation .npz: float32 `inputs` with samples along the first axis, int64 `labels`, one per sample. */
export function parseEvaluation(bytes: Uint8Array, file: string, maxBytes?: number): EvaluationSet {
  const arrays = parseNpz(bytes, file, maxBytes);
  const inputs = arrays.get("inputs");
  const labels = arrays.get("labels");
  if (!inputs || !labels)
    throw new Error(`${file}: evaluation data needs the arrays inputs and labels, it has ${[...arrays.keys()].join(", ") || "none"}`);
  if (inputs.dtype !== "float32") throw new Error(`${file}: inputs.npy is ${inputs.dtype}, evaluation inputs must be float32`);
  if (labels.dtype !== "int64") throw new Error(`${file}: labels.npy is ${labels.dtype}, evaluation labels must be int64`);
  const [samples = 0, ...sampleShape] = inputs.shape;
  if (samples === 0) throw new Error(`${file}: inputs.npy holds no samples`);
  if (labels.shape.length !== 1 || labels.shape[0] !== samples)
    throw new Error(`${file}: labels.npy has shape (${labels.shape.join(", ")}), one label per sample needs (${samples})`);
  return { sampleShape, inputs: inputs.data, labels: Array.from(labels.data, Number) };
}

export const sampleCount = (set: EvaluationSet): number => set.labels.length;

/**
 * An OIP v2 infer body of sample `index` for a model with one FP32 input, whose shape (open
 * dimensions aside) must be one sample's with a batch of 1: throws naming the mismatch otherwise.
 */
export function evaluationRequest(inputs: readonly TensorMetadata[], set: EvaluationSet, index: number): string {
  const [input] = inputs;
  if (!input || inputs.length !== 1) throw new Error(`the model has ${inputs.length} inputs: evaluation samples feed models with one`);
  if (input.datatype !== "FP32") throw new Error(`input "${input.name}" is ${input.datatype}: evaluation samples are FP32`);
  const shape = [1, ...set.sampleShape];
  const fits = input.shape.length === shape.length && input.shape.every((d, i) => d < 0 || d === shape[i]);
  if (!fits) throw new Error(`input "${input.name}" has shape [${input.shape.join(", ")}], an evaluation sample is [${shape.join(", ")}]`);
  const size = set.sampleShape.reduce((a, b) => a * b, 1);
  const data = Array.from(set.inputs.subarray(index * size, (index + 1) * size));
  return JSON.stringify({ id: "edgefleet-evaluation", inputs: [{ name: input.name, datatype: "FP32", shape, data }] });
}

/**
 * The class an infer response predicts, as the build measured it (tools/src/model-build/build.py's
 * predicted_class): the first output's label when it is an integer tensor, else its argmax.
 */
export function predictedClass(response: unknown): number {
  const output = (response as { outputs?: { datatype?: unknown; data?: unknown }[] } | null)?.outputs?.[0];
  const data = output?.data;
  if (!Array.isArray(data) || data.length === 0 || !data.every((x) => typeof x === "number"))
    throw new Error("infer response has no numeric outputs[0].data");
  if (typeof output?.datatype === "string" && /^U?INT/.test(output.datatype)) return data[0] as number;
  let best = 0;
  for (let i = 1; i < data.length; i++) if ((data[i] as number) > (data[best] as number)) best = i;
  return best;
}
