/** @edgefleet/cpu-runtime: edgefleet's CPU runtime: an Open Inference Protocol v2 server on onnxruntime-node. Everything other packages may import is exported here. */

export { inferenceMetrics } from "./metrics.js";
export { loadModel } from "./model.js";
export { HELP } from "./options.js";
export { RuntimeServer } from "./server.js";
