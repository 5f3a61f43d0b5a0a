/**
 * The contract between this program and edgefleet's images, which are built from the operator,
 * telemetry-gateway and edge-agent entry points (deploy/docker/*.Dockerfile). The gateway and
 * agent do not exist yet: these are the flags, ports and paths they must honour. docs/pulumi.md
 * lists the same contract for the people writing them.
 */

export const image = (registry: string, name: string, version: string) => `${registry}/${name}:${version}`;

/** Every edgefleet image serves Prometheus metrics at /metrics and probes at /healthz and /readyz on its http port. */
export const HTTP_PORT = 8080;

/** MQTT over TLS; plain 1883 is never opened. */
export const MQTT_TLS_PORT = 8883;

/** The gateway's client certificate CN: the broker's ACL grants it every node's topics. */
export const GATEWAY_MQTT_IDENTITY = "edgefleet-gateway";

/** Where each node keeps its own MQTT client identity (ca.crt, tls.crt, tls.key with CN = node name). */
export const NODE_IDENTITY_DIR = "/etc/edgefleet/mqtt";

/** Topics, by node name: a node publishes under its own prefix only (enforced by the broker's ACL). */
export const TOPICS = {
  telemetry: (node: string) => `edgefleet/nodes/${node}/telemetry/#`,
  status: (node: string) => `edgefleet/nodes/${node}/status`,
  commands: (node: string) => `edgefleet/nodes/${node}/commands/#`,
};

/** Pinned Mosquitto image; it runs as its own non-root user (uid 1883). */
export const MOSQUITTO_IMAGE = "eclipse-mosquitto:2.0.20";
export const MOSQUITTO_UID = 1883;
