import { MAX_PAYLOAD_BYTES } from "@edgefleet/telemetry";
import { GATEWAY_MQTT_IDENTITIES, MQTT_TLS_PORT, OPERATOR_MQTT_IDENTITY, RETIRE_MQTT_IDENTITY, TOPICS } from "./contract.js";

/**
 * The largest MQTT packet the broker takes: the largest payload the telemetry schema allows plus
 * room for the topic and MQTT 5 properties. A bigger one is refused at the broker (MQTT 5 clients
 * learn the limit from the CONNACK; others are disconnected), before it costs the gateway anything:
 * one node could otherwise flood every subscriber with 50 MB messages.
 */
export const MAX_PACKET_BYTES = Math.max(...Object.values(MAX_PAYLOAD_BYTES)) + 4_096;

/** Where the broker's pod mounts its config and its TLS Secret. */
export const MOSQUITTO_PATHS = { config: "/mosquitto/config", tls: "/mosquitto/tls" };

export interface MosquittoConfigOptions {
  /** Directory with ca.crt (the CA every client certificate must be signed by), tls.crt and tls.key. */
  readonly tlsDir: string;
  readonly aclFile: string;
  readonly port: number;
  /** Listen on this address only; every interface when left out. */
  readonly host?: string;
  /**
   * QoS 1 messages the broker queues per client beyond its in-flight window, then drops (counted
   * by the broker only). A gateway restarting under full fleet load needs the most: at 1 Hz this
   * is 10,000 node-seconds of telemetry.
   */
  readonly maxQueuedMessages?: number;
  /**
   * PEM certificate revocation list of the CA: a client certificate it names is refused at the TLS
   * handshake. Mosquitto checks the client's certificate only (not the CA's), reads the file at start.
   */
  readonly crlFile?: string;
}

/** The shipped broker's paths and port (the Pulumi Broker mounts these). */
export const SHIPPED: MosquittoConfigOptions = {
  tlsDir: MOSQUITTO_PATHS.tls,
  aclFile: `${MOSQUITTO_PATHS.config}/acl`,
  port: MQTT_TLS_PORT,
};

/**
 * mosquitto.conf: TLS only, every client must present a certificate signed by the site CA, and
 * the certificate's CN becomes the MQTT username the ACL is written against and the client id
 * (`use_username_as_clientid`): whatever id a client asks for, it can only ever take over a session
 * of its own identity, so one node cannot kick another off (or fire its last will), nor the gateway. No persistence:
 * telemetry is a stream, the root filesystem is read-only, the agents' spools hold what the broker
 * had not passed on, and a gateway that finds its session gone asks every agent for its birth.
 * Tests run the same generator with their own paths and port.
 */
export function mosquittoConfig(options: MosquittoConfigOptions = SHIPPED): string {
  const { tlsDir, aclFile, port, host, maxQueuedMessages = 10_000, crlFile } = options;
  return [
    "per_listener_settings false",
    "allow_anonymous false",
    `acl_file ${aclFile}`,
    "persistence false",
    "log_dest stdout",
    `max_queued_messages ${maxQueuedMessages}`,
    `max_packet_size ${MAX_PACKET_BYTES}`,
    host === undefined ? `listener ${port}` : `listener ${port} ${host}`,
    `cafile ${tlsDir}/ca.crt`,
    ...(crlFile === undefined ? [] : [`crlfile ${crlFile}`]),
    `certfile ${tlsDir}/tls.crt`,
    `keyfile ${tlsDir}/tls.key`,
    "tls_version tlsv1.2",
    "require_certificate true",
    "use_identity_as_username true",
    "use_username_as_clientid true",
    "",
  ].join("\n");
}

export interface AclOptions {
  /** The site's name, the second topic segment; every site when left out (a node is still confined to its own name). */
  readonly site?: string;
  /**
   * The only nodes that may publish, by name (a K3s site whose identities the stack issues): each
   * gets grants of its own instead of the pattern, so a node removed from the site can, with a
   * certificate revoked or not, publish and read nothing. Any name may when left out.
   */
  readonly nodes?: readonly string[];
}

/**
 * The ACL: `pattern` lines apply to every client with %u replaced by its username (its node
 * name), so one rule confines each node to its own topics however many nodes join (or, given the
 * site's nodes, each listed node gets those grants and no other name any); each gateway
 * replica's identity (every one up to MAX_GATEWAY_REPLICAS, so the ACL does not change with
 * gateway.replicas) reads every node's messages and writes the rebirth request; the retire
 * command's identity alone writes births: retiring a device publishes an empty retained message on
 * its birth topic, which is how MQTT deletes a retained message; the operator's identity alone
 * writes assignments, each node reading only its own.
 */
export function mosquittoAcl({ site = "+", nodes }: AclOptions = {}): string {
  const everyNode = [
    "# Every node: publishes its own birth, telemetry and death only (username = CN of its client",
    "# certificate = node name), reads the gateway's rebirth request and its own assignments.",
    `pattern write ${TOPICS.node(site, "%u")}`,
    `pattern read ${TOPICS.rebirth}`,
    `pattern read ${TOPICS.nodeAssignments(site, "%u")}`,
  ];
  const listed = [
    "# The site's nodes, by name (username = CN of its client certificate): each publishes its own",
    "# birth, telemetry and death only, and reads the gateway's rebirth request and its own",
    "# assignments. No other name may.",
    ...(nodes ?? []).flatMap((node) => [
      `user ${node}`,
      `topic write ${TOPICS.node(site, node)}`,
      `topic read ${TOPICS.rebirth}`,
      `topic read ${TOPICS.nodeAssignments(site, node)}`,
    ]),
  ];
  return [
    ...(nodes === undefined ? everyNode : listed),
    "",
    "# Each telemetry gateway replica (CN = its pod's name): every node's messages, the rebirth request.",
    ...GATEWAY_MQTT_IDENTITIES.flatMap((id) => [`user ${id}`, `topic read ${TOPICS.allNodes}`, `topic write ${TOPICS.rebirth}`]),
    "",
    "# The gateway's retire command: births (to clear a retired node's retained birth).",
    `user ${RETIRE_MQTT_IDENTITY}`,
    `topic write ${TOPICS.births(site)}`,
    "",
    "# The elected operator: every node's assignments (it reads them back to clear stale ones).",
    `user ${OPERATOR_MQTT_IDENTITY}`,
    `topic readwrite ${TOPICS.assignments(site)}`,
    "",
  ].join("\n");
}
