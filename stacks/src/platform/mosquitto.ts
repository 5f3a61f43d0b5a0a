import { GATEWAY_MQTT_IDENTITY, MQTT_TLS_PORT, TOPICS } from "./contract.js";

/** Where the broker's pod mounts its config and its TLS Secret. */
export const MOSQUITTO_PATHS = { config: "/mosquitto/config", tls: "/mosquitto/tls" };

/**
 * mosquitto.conf: TLS only, every client must present a certificate signed by the site CA, and
 * the certificate's CN becomes the MQTT username the ACL is written against. No persistence:
 * telemetry is a stream, and the root filesystem is read-only.
 */
export function mosquittoConfig(): string {
  const { config, tls } = MOSQUITTO_PATHS;
  return [
    "per_listener_settings false",
    "allow_anonymous false",
    `acl_file ${config}/acl`,
    "persistence false",
    "log_dest stdout",
    `listener ${MQTT_TLS_PORT}`,
    `cafile ${tls}/ca.crt`,
    `certfile ${tls}/tls.crt`,
    `keyfile ${tls}/tls.key`,
    "tls_version tlsv1.2",
    "require_certificate true",
    "use_identity_as_username true",
    "",
  ].join("\n");
}

/**
 * The ACL: `pattern` lines apply to every client with %u replaced by its username (its node
 * name), so one rule confines each node to its own topics however many nodes join; the gateway
 * alone reads all nodes' telemetry and sends commands.
 */
export function mosquittoAcl(): string {
  const node = "%u";
  const anyNode = "+";
  return [
    "# Every node: its own topics only (username = CN of its client certificate = node name).",
    `pattern write ${TOPICS.telemetry(node)}`,
    `pattern write ${TOPICS.status(node)}`,
    `pattern read ${TOPICS.commands(node)}`,
    "",
    "# The telemetry gateway: every node's telemetry and status, and commands to any node.",
    `user ${GATEWAY_MQTT_IDENTITY}`,
    `topic read ${TOPICS.telemetry(anyNode)}`,
    `topic read ${TOPICS.status(anyNode)}`,
    `topic write ${TOPICS.commands(anyNode)}`,
    "",
  ].join("\n");
}
