export { HARDWARE_CLASSES } from "./k3s/hardware.js";
export { certificateAuthority, type Issued } from "./pki/certificates.js";
export { GATEWAY_MQTT_IDENTITY } from "./platform/contract.js";
export { mosquittoAcl, mosquittoConfig } from "./platform/mosquitto.js";
