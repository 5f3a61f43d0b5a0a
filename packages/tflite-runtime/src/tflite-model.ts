import { fileURLToPath } from "node:url";
import type { LoadedModel } from "@edgefleet/cpu-runtime";
import { FRAME_WORKER, loadWorkerModel, type WorkerModelOptions } from "@edgefleet/python-worker";

/** The worker: its `load(data, threads)` is the engine the runtime serves with, which model builds measure .tflite files through. */
export const TFLITE_WORKER = fileURLToPath(new URL("./worker.py", import.meta.url));
const WORKER = TFLITE_WORKER;
/** The worker's Python files; a bundled runtime has them copied beside its bundle. */
export const WORKER_FILES: readonly string[] = [WORKER, FRAME_WORKER];

/** Loads a .tflite model (path) with LiteRT's interpreter on the CPU, in a worker process (worker.py). */
export function loadTfliteModel(options: WorkerModelOptions): Promise<LoadedModel> {
  return loadWorkerModel({ ...options, platform: "tflite", script: WORKER, engine: "LiteRT" });
}
