/** @edgefleet/gateway: The telemetry gateway: MQTT telemetry from edge agents into Prometheus metrics. Everything other packages may import is exported here. */

export { Fleet } from "./fleet.js";
export { gatewayServer, renderMetrics } from "./http.js";
export { gatewayMetrics } from "./metrics.js";
export { DEFAULT_DEVICE_TIMEOUT_SECONDS, HELP, parseGatewayOptions } from "./options.js";
export { RETIRE_HELP } from "./retire-options.js";
