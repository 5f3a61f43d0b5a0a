export { buildCnn, type CnnSpec, IMAGE_SIZE, INPUT_NAME, OUTPUT_NAME } from "./cnn.js";
export { buildModels, MODEL_SPECS, writeModels } from "./models.js";
