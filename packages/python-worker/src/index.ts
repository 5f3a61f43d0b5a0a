/** @edgefleet/python-worker: the model worker the Python-engined runtimes (OpenVINO, TFLite) share: an engine script on frame_worker.py in a Python process, fed frames over stdin/stdout. Everything other packages may import is exported here. */

export { type WorkerRuntimeCli, type WorkerRuntimeOptions, type WorkerRuntimeText, workerRuntimeCli } from "./cli.js";
export { runWorkerRuntime, type WorkerRuntime } from "./main.js";
export { FRAME_WORKER, PYTHON_FLAG, type WorkerCommand } from "./worker.js";
export { type LoadWorkerModelOptions, loadWorkerModel, type WorkerModelOptions } from "./worker-model.js";
