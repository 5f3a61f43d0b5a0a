/** @edgefleet/openvino-runtime: edgefleet's OpenVINO runtime: the CPU runtime's Open Inference Protocol v2 server running OpenVINO IR with the real OpenVINO runtime. Everything other packages may import is exported here. */

export { buildIrArtifact, type IrPrecision } from "./build-ir.js";
export { loadOpenVinoModel, PYTHON_PATH, WORKER_FILES } from "./openvino-model.js";
export { HELP } from "./options.js";
