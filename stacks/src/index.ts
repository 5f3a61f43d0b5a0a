/** @edgefleet/stacks: The Pulumi program: K3s edge sites and the edgefleet platform on them. Everything other packages may import is exported here. */

export { type Files as ChartFiles, helmChart } from "./chart/chart.js";
export { k3sSite } from "./cluster/k3s.js";
export { loadConfig } from "./config/load.js";
export { parseConfig } from "./config/parse.js";
export { HARDWARE_CLASSES } from "./k3s/hardware.js";
export { NODE_DIRS } from "./k3s/scripts.js";
export {
  GATEWAY_MQTT_IDENTITY,
  gatewayMqttIdentity,
  NODE_IDENTITY_DIR,
  OPERATOR_MQTT_IDENTITY,
  RETIRE_MQTT_IDENTITY,
} from "./platform/contract.js";
export { gatewaySecretData } from "./platform/gateway.js";
export { platformManifests } from "./platform/manifests.js";
export { MAX_PACKET_BYTES, mosquittoAcl, mosquittoConfig } from "./platform/mosquitto.js";
export { operatorManifests } from "./platform/operator.js";
