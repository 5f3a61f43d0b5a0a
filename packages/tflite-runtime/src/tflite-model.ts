import { fileURLToPath } from "node:url";
import type { LoadedModel } from "@edgefleet/cpu-runtime";
import { FRAME_WORKER, loadWorkerModel } from "@edgefleet/python-worker";

/** The worker: its `load(path, threads)` is the engine the runtime serves with, which model builds measure .tflite files through. */
export const TFLITE_WORKER = fileURLToPath(new URL("./worker.py", import.meta.url));
const WORKER = TFLITE_WORKER;
/** The worker's Python files; a bundled runtime has them copied beside its bundle. */
export const WORKER_FILES: readonly string[] = [WORKER, FRAME_WORKER];

export interface LoadTfliteOptions {
  name: string;
  version: string;
  /** The .tflite file. */
  path: string;
  /** The file's expected sha256: the worker reads it once, refuses it unless it hashes to this, and loads those bytes. */
  sha256?: string;
  /** The interpreter's threads; 0 lets LiteRT pick. */
  intraOpThreads?: number;
  /** The Python with ai-edge-litert the worker runs on (the toolchain's venv-python). */
  python: string;
}

/** Loads a .tflite model with LiteRT's interpreter on the CPU, in a worker process (worker.py). */
export function loadTfliteModel({ name, version, path, sha256, intraOpThreads = 0, python }: LoadTfliteOptions): Promise<LoadedModel> {
  return loadWorkerModel({
    name,
    version,
    path,
    platform: "tflite",
    worker: { python, script: WORKER, args: [path, String(intraOpThreads), ...(sha256 ? [sha256] : [])], engine: "LiteRT" },
  });
}
