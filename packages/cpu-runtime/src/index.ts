export { inferenceMetrics } from "./metrics.js";
export { loadModel } from "./model.js";
export { HELP } from "./options.js";
export { RuntimeServer } from "./server.js";
