import { delimiter, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import type { LoadedModel } from "@edgefleet/cpu-runtime";
import { FRAME_WORKER, loadWorkerModel } from "@edgefleet/python-worker";

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

export interface LoadOpenVinoOptions {
  name: string;
  version: string;
  /** The IR artifact: an uncompressed tar of model.xml and model.bin. */
  path: string;
  /** The file's expected sha256: the worker reads it once, refuses it unless it hashes to this, and loads those bytes. */
  sha256?: string;
  /** OpenVINO's inference threads; 0 lets OpenVINO pick (one per core). */
  intraOpThreads?: number;
  /** The Python with openvino the worker runs on (the toolchain's venv-python). */
  python: string;
}

/** Loads an OpenVINO IR artifact with the real OpenVINO runtime on the CPU, in a worker process (worker.py). */
export function loadOpenVinoModel({ name, version, path, sha256, intraOpThreads = 0, python }: LoadOpenVinoOptions): Promise<LoadedModel> {
  return loadWorkerModel({
    name,
    version,
    path,
    platform: "openvino_ir",
    worker: { python, script: WORKER, args: [path, String(intraOpThreads), ...(sha256 ? [sha256] : [])], engine: "OpenVINO" },
  });
}
