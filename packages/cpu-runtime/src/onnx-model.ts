import { InferenceSession, Tensor } from "onnxruntime-node";
import { byOrtType, type Datatype, oipName } from "./datatypes.js";

/** An input or output as the model declares it; -1 marks a dimension the model leaves open. */
export interface TensorSpec {
  name: string;
  datatype: string;
  shape: number[];
  /** Set when the runtime can take (input) or return (output) this type. */
  type: Datatype | undefined;
}

export interface LoadedModel {
  name: string;
  version: string;
  session: InferenceSession;
  inputs: TensorSpec[];
  outputs: TensorSpec[];
}

export interface LoadModelOptions {
  name: string;
  version: string;
  path: string;
  /** onnxruntime's intra-op thread count; 0 lets onnxruntime pick (one per core). */
  intraOpThreads?: number;
}

function spec(meta: InferenceSession.ValueMetadata, path: string): TensorSpec {
  if (!meta.isTensor) throw new Error(`${path}: ${meta.name} is not a tensor; the runtime serves tensor inputs and outputs only`);
  return {
    name: meta.name,
    datatype: oipName(meta.type),
    shape: meta.shape.map((d) => (typeof d === "number" && d >= 0 ? d : -1)),
    type: byOrtType.get(meta.type),
  };
}

export async function loadModel({ name, version, path, intraOpThreads = 0 }: LoadModelOptions): Promise<LoadedModel> {
  const session = await InferenceSession.create(path, {
    graphOptimizationLevel: "all",
    executionProviders: ["cpu"],
    ...(intraOpThreads > 0 ? { intraOpNumThreads: intraOpThreads } : {}),
  });
  const model = {
    name,
    version,
    session,
    inputs: session.inputMetadata.map((m) => spec(m, path)),
    outputs: session.outputMetadata.map((m) => spec(m, path)),
  };
  await warmUp(model);
  return model;
}

/** Runs before the model is served: the first runs of a session allocate and pick kernels. */
const WARM_UP_RUNS = 3;

/**
 * Runs the model on zero inputs (open dimensions as 1) so the first requests it serves are not
 * its slowest: a freshly started canary would otherwise report its cold start as latency. Models
 * with an input type the runtime cannot build are served cold.
 */
export async function warmUp(model: LoadedModel, runs = WARM_UP_RUNS): Promise<void> {
  const feeds: Record<string, Tensor> = {};
  for (const input of model.inputs) {
    if (!input.type) return;
    const dims = input.shape.map((d) => (d < 0 ? 1 : d));
    feeds[input.name] = new Tensor(input.type.ort, input.type.allocate(dims.reduce((a, b) => a * b, 1)), dims);
  }
  for (let i = 0; i < runs; i++) await model.session.run(feeds);
}
