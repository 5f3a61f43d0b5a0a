/** @edgefleet/cpu-runtime: edgefleet's CPU runtime: an Open Inference Protocol v2 server on onnxruntime-node, for one model or, under explicit model control, the models loaded through its model repository API. Everything other packages may import is exported here. */

export { byOipName, type Datatype, type TypedData } from "./datatypes.js";
export { inferenceMetrics } from "./metrics.js";
export { loadModel } from "./onnx-model.js";
export { HELP, RUNTIME_FLAGS, type RuntimeOptions, runtimeOptions } from "./options.js";
export type { ModelRepository } from "./repository.js";
export { serveModel, serveRepository } from "./serve.js";
export { type InputTensor, type LoadedModel, type OutputTensor, type TensorSpec, warmUp } from "./served-model.js";
export { RuntimeServer } from "./server.js";
