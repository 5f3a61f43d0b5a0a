/** @edgefleet/test: Integration tests against the local platform, and their helpers. Everything other packages may import is exported here. */

export { startTestRegistry } from "./artifacts/oci-registry.js";
export { publish } from "./artifacts/publish.js";
export { startServer } from "./artifacts/server.js";
export { startMosquitto } from "./helpers/mosquitto.js";
export { type GatewayProcess, startGateway } from "./telemetry/gateway-process.js";
export { birth, json, telemetry, topic } from "./telemetry/payloads.js";
export { GATEWAY_MQTT_IDENTITY, SITE, startTlsBroker, type TlsBroker } from "./telemetry/tls-broker.js";
