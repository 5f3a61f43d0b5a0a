import type { Tensor } from "onnxruntime-node";
import type { Datatype, TypedData } from "./datatypes.js";

/** An input or output as the model declares it; -1 marks a dimension the model leaves open. */
export interface TensorSpec {
  name: string;
  datatype: string;
  shape: number[];
  /** Set when the runtime can take (input) or return (output) this type. */
  type: Datatype | undefined;
}

/** An input tensor of a request, checked against its spec. */
export interface InputTensor {
  readonly type: Datatype;
  readonly data: TypedData;
  readonly dims: readonly number[];
}

/** An output tensor as the model returned it. */
export interface OutputTensor {
  readonly dims: readonly number[];
  readonly data: Tensor["data"];
}

/**
 * A model the runtime server serves, whatever runs it: onnxruntime in this process (onnx-model.ts)
 * or another inference engine behind it (the OpenVINO runtime's worker process).
 */
export interface LoadedModel {
  name: string;
  version: string;
  /** The metadata's platform, as KServe names it (onnxruntime_onnx, openvino_ir). */
  platform: string;
  inputs: TensorSpec[];
  outputs: TensorSpec[];
  /** Runs one inference; outputs: the ones the client asked for, or all when undefined. */
  run(feeds: Readonly<Record<string, InputTensor>>, outputs?: readonly string[]): Promise<Record<string, OutputTensor>>;
  /** Frees the engine's resources; the model is not run afterwards. */
  release(): Promise<void>;
  /**
   * CPU milliseconds the model has spent so far in processes other than this one (an engine's
   * worker process), which the process-cpu latency clock adds to this process's own.
   */
  cpuElsewhereMs?(): number;
}

/** Runs before the model is served: the first runs of an engine allocate and pick kernels. */
const WARM_UP_RUNS = 3;

/**
 * Runs the model on zero inputs (open dimensions as 1) so the first requests it serves are not
 * its slowest: a freshly started canary would otherwise report its cold start as latency. Models
 * with an input type the runtime cannot build are served cold.
 */
export async function warmUp(model: LoadedModel, runs = WARM_UP_RUNS): Promise<void> {
  const feeds: Record<string, InputTensor> = {};
  for (const input of model.inputs) {
    if (!input.type) return;
    const dims = input.shape.map((d) => (d < 0 ? 1 : d));
    feeds[input.name] = { type: input.type, data: input.type.allocate(dims.reduce((a, b) => a * b, 1)), dims };
  }
  for (let i = 0; i < runs; i++) await model.run(feeds);
}
