import { delimiter, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import type { LoadedModel } from "@edgefleet/cpu-runtime";
import { FRAME_WORKER, loadWorkerModel, type WorkerModelOptions } from "@edgefleet/python-worker";

const here = (file: string) => fileURLToPath(new URL(`./${file}`, import.meta.url));
const WORKER = here("worker.py");
/** The worker's Python files; a bundled runtime has them copied beside its bundle. */
export const WORKER_FILES: readonly string[] = [WORKER, here("ir_artifact.py"), here("telemetry_off.py"), FRAME_WORKER];
/**
 * A PYTHONPATH under which another program imports the runtime's Python modules (`from worker
 * import load` compiles an IR artifact as the runtime does, `from ir_artifact import save_ir`
 * writes one) instead of copying them: this package's directory and the worker loop's.
 */
export const PYTHON_PATH = [dirname(WORKER), dirname(FRAME_WORKER)].join(delimiter);

/**
 * Loads an OpenVINO IR artifact (path: an uncompressed tar of model.xml and model.bin) with the
 * real OpenVINO runtime on the CPU, in a worker process (worker.py).
 */
export function loadOpenVinoModel(options: WorkerModelOptions): Promise<LoadedModel> {
  return loadWorkerModel({ ...options, platform: "openvino_ir", script: WORKER, engine: "OpenVINO" });
}
