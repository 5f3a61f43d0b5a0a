export { Fleet } from "./fleet.js";
export { gatewayServer, renderMetrics } from "./http.js";
export { gatewayMetrics } from "./metrics.js";
export { DEFAULT_DEVICE_TIMEOUT_SECONDS, HELP, parseGatewayOptions } from "./options.js";
