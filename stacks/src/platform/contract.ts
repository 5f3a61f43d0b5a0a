import { ALL_NODES, ASSIGNMENTS_ROOT, allAssignmentsOf, REBIRTH_TOPIC, TOPIC_ROOT } from "@edgefleet/telemetry";

/**
 * The contract between this program and edgefleet's images, which are built from the operator
 * (packages/operator/src/main.ts), telemetry-gateway (packages/gateway/src/main.ts) and edge-agent entry
 * points (deploy/docker/*.Dockerfile): the flags, ports and paths they honour. docs/pulumi.md
 * lists the same contract.
 */

/** Every edgefleet image serves Prometheus metrics at /metrics and probes at /healthz and /readyz on its http port. */
export const HTTP_PORT = 8080;

/** MQTT over TLS; plain 1883 is never opened. */
export const MQTT_TLS_PORT = 8883;

/** The telemetry gateway's StatefulSet, whose pods are named <GATEWAY>-<ordinal>. */
export const GATEWAY = "edgefleet-telemetry-gateway";

/** gateway.replicas' maximum: the broker's ACL names every replica's identity up to it. */
export const MAX_GATEWAY_REPLICAS = 10;

/**
 * Gateway replica `ordinal`'s client certificate CN: its pod's name. The broker makes the CN both the
 * username (the ACL grants it every node's topics) and the client id, so each replica needs an
 * identity of its own, or replicas would take over each other's session.
 */
export const gatewayMqttIdentity = (ordinal: number) => `${GATEWAY}-${ordinal}`;

/** Every identity a gateway replica may have; the first is the one a lone gateway (tests, the local platform) uses. */
export const GATEWAY_MQTT_IDENTITIES = Array.from({ length: MAX_GATEWAY_REPLICAS }, (_, i) => gatewayMqttIdentity(i));
export const GATEWAY_MQTT_IDENTITY = gatewayMqttIdentity(0);

/**
 * The gateway's retire command's client certificate CN (packages/gateway/src/retire.ts): the one
 * identity besides a node itself that may write node births. Its own, so running the command does
 * not take over a gateway replica's session.
 */
export const RETIRE_MQTT_IDENTITY = "edgefleet-gateway-retire";

/**
 * The operator's client certificate CN (packages/operator/src/assignments): the one identity that
 * writes every node's assignments. Only the elected operator connects, so one identity serves every replica.
 */
export const OPERATOR_MQTT_IDENTITY = "edgefleet-operator";

/**
 * The kubernetes.io/tls Secret (ca.crt, tls.crt, tls.key) holding OPERATOR_MQTT_IDENTITY's
 * certificate: a Pulumi stack issues it, a Helm release creates it (docs/helm.md).
 */
export const OPERATOR_MQTT_SECRET = "edgefleet-operator-mqtt";

/** Where each node keeps its own MQTT client identity (ca.crt, tls.crt, tls.key with CN = node name). */
export const NODE_IDENTITY_DIR = "/etc/edgefleet/mqtt";

/**
 * The agent's spool on the host, so telemetry not yet acknowledged survives pod restarts and
 * upgrades. Owned by IMAGE_UID: kubelet would create a missing hostPath as root, unwritable to the agent.
 */
export const NODE_SPOOL_DIR = "/var/lib/edgefleet/spool";

/**
 * Topics, from the telemetry module (packages/telemetry/src/topic.ts and the gateway's
 * topics.ts): one scheme for the agent, the gateway and the broker's ACL.
 */
export const TOPICS = {
  /** Everything one node may publish: edgefleet/v1/<site>/<node>/{birth,telemetry,death}. */
  node: (site: string, node: string) => `${TOPIC_ROOT}/${site}/${node}/+`,
  /** Every node's messages, which only the gateway reads. */
  allNodes: ALL_NODES,
  /** The gateway asks every agent for its birth here; agents only read it. */
  rebirth: REBIRTH_TOPIC,
  /** Every node's (retained) birth: the gateway's identity clears a retired node's with an empty message. */
  births: (site: string) => `${TOPIC_ROOT}/${site}/+/birth`,
  /** Every node's (retained) assignments, which only the operator writes: edgefleet/v1/control/assignments/<site>/+. */
  assignments: allAssignmentsOf,
  /** One node's assignments, which it only reads (node may be the ACL's %u). */
  nodeAssignments: (site: string, node: string) => `${ASSIGNMENTS_ROOT}/${site}/${node}`,
};

/** The pinned upstream Mosquitto image, broker.image's default; it runs as its own non-root user (uid 1883). */
export const MOSQUITTO_IMAGE = "eclipse-mosquitto:2.0.20";
/** The broker pod's user: any broker.image must run as it (deploy/docker/mosquitto.Dockerfile does). */
export const MOSQUITTO_UID = 1883;
