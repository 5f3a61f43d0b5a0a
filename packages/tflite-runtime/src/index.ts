/** @edgefleet/tflite-runtime: edgefleet's TFLite runtime: the CPU runtime's Open Inference Protocol v2 server running .tflite models with LiteRT's interpreter. Everything other packages may import is exported here. */

export { buildTfliteTestModel, type TflitePrecision } from "./build-tflite.js";
export { HELP } from "./options.js";
export { loadTfliteModel, TFLITE_WORKER, WORKER_FILES } from "./tflite-model.js";
