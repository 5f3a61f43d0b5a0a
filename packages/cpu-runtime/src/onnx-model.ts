import { readVerifiedFile } from "@edgefleet/kit";
import { InferenceSession, Tensor } from "onnxruntime-node";
import { byOrtType, oipName } from "./datatypes.js";
import { type LoadedModel, type OutputTensor, type TensorSpec, warmUp } from "./served-model.js";

/** A model served by onnxruntime in this process; the session is there for benchmarks. */
export interface OnnxModel extends LoadedModel {
  session: InferenceSession;
}

export interface LoadModelOptions {
  name: string;
  version: string;
  path: string;
  /**
   * The file's expected sha256: the file is read once, refused unless it hashes to this, and the
   * session made from those very bytes (a file changed after it was verified is never served).
   * Without it onnxruntime reads the path itself.
   */
  sha256?: string;
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

export function loadModel({ name, version, path, sha256, intraOpThreads = 0 }: LoadModelOptions): Promise<OnnxModel> {
  return sessionModel(name, version, path, intraOpThreads, async (options) =>
    sha256 ? InferenceSession.create(await readVerifiedFile(path, sha256), options) : InferenceSession.create(path, options),
  );
}

/** A model from a file's bytes: a load request's, verified by whoever sent them. */
export function loadModelBytes(name: string, version: string, bytes: Uint8Array, intraOpThreads = 0): Promise<OnnxModel> {
  return sessionModel(name, version, `model "${name}" version "${version}"`, intraOpThreads, (options) =>
    InferenceSession.create(bytes, options),
  );
}

/** path: the file, or what stands for it in errors. */
async function sessionModel(
  name: string,
  version: string,
  path: string,
  intraOpThreads: number,
  create: (options: InferenceSession.SessionOptions) => Promise<InferenceSession>,
): Promise<OnnxModel> {
  const session = await create({
    graphOptimizationLevel: "all",
    executionProviders: ["cpu"],
    ...(intraOpThreads > 0 ? { intraOpNumThreads: intraOpThreads } : {}),
  });
  const model: OnnxModel = {
    name,
    version,
    platform: "onnxruntime_onnx",
    session,
    inputs: session.inputMetadata.map((m) => spec(m, path)),
    outputs: session.outputMetadata.map((m) => spec(m, path)),
    async run(feeds, outputs) {
      const tensors = Object.fromEntries(Object.entries(feeds).map(([input, t]) => [input, new Tensor(t.type.ort, t.data, t.dims)]));
      const results = outputs ? await session.run(tensors, [...outputs]) : await session.run(tensors);
      return results as Record<string, OutputTensor>;
    },
    release: () => session.release(),
  };
  await warmUp(model);
  return model;
}
