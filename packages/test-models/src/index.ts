/** @edgefleet/test-models: edgefleet's deterministic ONNX test models, written from TypeScript. Everything other packages may import is exported here. */

export { buildCnn, type CnnSpec, IMAGE_SIZE, INPUT_NAME, OUTPUT_NAME } from "./cnn.js";
export { buildHeavyModel, buildModels, HEAVY_SPEC, MODEL_SPECS, writeModels } from "./models.js";
