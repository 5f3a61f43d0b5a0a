import { byOipName, type LoadedModel, type OutputTensor, type TensorSpec, warmUp } from "@edgefleet/cpu-runtime";
import { PythonWorker } from "./worker.js";

/** What a Python-engined runtime is told to serve. */
export interface WorkerModelOptions {
  name: string;
  version: string;
  /** The model file. */
  path: string;
  /** The file's expected sha256: the worker reads it once, refuses it unless it hashes to this, and loads those bytes. */
  sha256?: string;
  /** The engine's inference threads; 0 lets it pick. */
  intraOpThreads?: number;
  /** The Python with the engine's packages the worker runs on (the toolchain's venv-python). */
  python: string;
}

export interface LoadWorkerModelOptions extends WorkerModelOptions {
  /** The metadata's platform, as KServe names it (openvino_ir, tflite). */
  platform: string;
  /** The engine script (on frame_worker.py) and its name in errors. */
  script: string;
  engine: string;
}

/** A tensor as the worker describes it. */
interface WorkerTensor {
  name: string;
  datatype: string;
  shape: number[];
}

const describeError = (header: Record<string, unknown>) => (typeof header.error === "string" ? header.error : undefined);

function spec(t: WorkerTensor): TensorSpec {
  return { name: t.name, datatype: t.datatype, shape: t.shape, type: byOipName.get(t.datatype) };
}

/** The outputs of one answer, copied out of its payload into typed arrays of their datatypes. */
function outputs(tensors: readonly WorkerTensor[], payload: Buffer): Record<string, OutputTensor> {
  const results: Record<string, OutputTensor> = {};
  let offset = 0;
  for (const t of tensors) {
    const type = byOipName.get(t.datatype);
    if (!type) throw new Error(`output "${t.name}" is ${t.datatype}, which this runtime cannot return`);
    const data = type.allocate(t.shape.reduce((a, b) => a * b, 1));
    new Uint8Array(data.buffer).set(payload.subarray(offset, offset + data.byteLength));
    offset += data.byteLength;
    results[t.name] = { dims: t.shape, data };
  }
  return results;
}

/**
 * Loads a model in a worker process (an engine script on frame_worker.py) and warms it up. The
 * worker's CPU time per inference is added to the runtime's process-cpu latency clock, since that
 * is where the model runs.
 */
export async function loadWorkerModel(o: LoadWorkerModelOptions): Promise<LoadedModel> {
  const { name, version, path, platform } = o;
  const args = [path, String(o.intraOpThreads ?? 0), ...(o.sha256 ? [o.sha256] : [])];
  const worker = new PythonWorker({ python: o.python, script: o.script, args, engine: o.engine });
  const { header } = await worker.next();
  const error = describeError(header);
  if (error !== undefined) {
    await worker.close();
    throw new Error(`${path}: ${error}`);
  }
  let workerCpuMs = 0;
  const model: LoadedModel = {
    name,
    version,
    platform,
    inputs: (header.inputs as WorkerTensor[]).map(spec),
    outputs: (header.outputs as WorkerTensor[]).map(spec),
    async run(feeds, wanted) {
      const inputs = Object.entries(feeds);
      const answer = await worker.request(
        { inputs: inputs.map(([input, t]) => ({ name: input, datatype: t.type.oip, shape: t.dims })), outputs: wanted ?? null },
        inputs.map(([, t]) => new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength)),
      );
      const failed = describeError(answer.header);
      if (failed !== undefined) throw new Error(failed);
      workerCpuMs += Number(answer.header.cpu_ms);
      return outputs(answer.header.outputs as WorkerTensor[], answer.payload);
    },
    release: () => worker.close(),
    cpuElsewhereMs: () => workerCpuMs,
  };
  try {
    await warmUp(model);
  } catch (err) {
    await worker.close();
    throw err;
  }
  return model;
}
