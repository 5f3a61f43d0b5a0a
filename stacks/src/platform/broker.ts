import { createHash } from "node:crypto";
import { MOSQUITTO_UID, MQTT_TLS_PORT } from "./contract.js";
import { type Manifest, manifest } from "./manifest.js";
import { MOSQUITTO_PATHS, mosquittoAcl, mosquittoConfig, SHIPPED } from "./mosquitto.js";
import { CONTAINER_SECURITY, componentLabels, podSecurity, resources, selectorLabels } from "./pod.js";

export interface BrokerConfig {
  readonly namespace: string;
  /** The Mosquitto image: mosquitto on its PATH, run as MOSQUITTO_UID. */
  readonly image: string;
  /** kubernetes.io/tls Secret with tls.crt, tls.key and ca.crt (the CA of every client). */
  readonly tlsSecret: string;
  /** The site's name: nodes may publish only under edgefleet/v1/<site>/<node>/; any site when left out. */
  readonly site?: string;
  /**
   * The CA's certificate revocation list (PEM): the broker refuses a client certificate it names at
   * the TLS handshake. It is public, so it sits in the ConfigMap, whose hash rolls the pod when it
   * changes (Mosquitto reads it at start only).
   */
  readonly revocationList?: string;
  /** Start of the issued certificates' validity window (certificatesAnnotation). */
  readonly certificatesSince?: string;
  /** The only node names the ACL lets publish (mosquittoAcl's nodes); any when left out. */
  readonly nodes?: readonly string[];
}

export const BROKER = "edgefleet-mqtt";

/** The revocation list's key in the broker's ConfigMap. */
const CRL_FILE = "crl.pem";

/** In-cluster URL clients connect to. */
export const brokerUrl = (namespace: string) => `mqtts://${BROKER}.${namespace}.svc:${MQTT_TLS_PORT}`;

/** The names the broker's certificate must carry: its Service's. */
export const brokerDnsNames = (namespace: string) => [`${BROKER}.${namespace}.svc`, `${BROKER}.${namespace}.svc.cluster.local`];

/**
 * Pod-template annotation: a hash of the ConfigMap of the same name, so a changed config rolls the
 * pod (Mosquitto reads it at start only). The Helm chart computes it from the rendered ConfigMap.
 */
export const CONFIG_HASH = "edgefleet.io/config-hash";

/**
 * The validity window of the certificates Pulumi issued (its start, ISO 8601), on the pod templates
 * of the broker, the gateway and the operator: each reads its certificate at start only, so a renewal
 * rolls them onto the new one before the old one expires. Agents read theirs at every connection.
 */
export const CERTIFICATES_ANNOTATION = "edgefleet.io/mqtt-certificates";

/** The pod annotation for certificates of window `since`, none when the certificates are made outside Pulumi. */
export const certificatesAnnotation = (since: string | undefined): Record<string, string> =>
  since === undefined ? {} : { [CERTIFICATES_ANNOTATION]: since };

/** The CONFIG_HASH annotation of a ConfigMap's data. */
export const configHash = (data: Record<string, string>) => ({
  [CONFIG_HASH]: createHash("sha256").update(JSON.stringify(data)).digest("hex").slice(0, 16),
});

/** Mosquitto over TLS with client certificates and the per-node ACL (see mosquitto.ts). */
export function brokerManifests(a: BrokerConfig): Manifest[] {
  const labels = componentLabels(BROKER);
  const metadata = { name: BROKER, namespace: a.namespace, labels };
  const crl = a.revocationList === undefined ? {} : { [CRL_FILE]: a.revocationList };
  const data = {
    "mosquitto.conf": mosquittoConfig(
      a.revocationList === undefined ? SHIPPED : { ...SHIPPED, crlFile: `${MOSQUITTO_PATHS.config}/${CRL_FILE}` },
    ),
    acl: mosquittoAcl({ ...(a.site === undefined ? {} : { site: a.site }), ...(a.nodes === undefined ? {} : { nodes: a.nodes }) }),
    ...crl,
  };
  const selector = selectorLabels(BROKER);
  return [
    manifest("v1", "ConfigMap", { metadata, data }),
    manifest("v1", "ServiceAccount", { metadata, automountServiceAccountToken: false }),
    manifest("apps/v1", "Deployment", {
      metadata,
      spec: {
        replicas: 1,
        // Two brokers would split the clients' subscriptions; replace, never overlap.
        strategy: { type: "Recreate" },
        selector: { matchLabels: selector },
        template: {
          metadata: {
            labels,
            annotations: { ...configHash(data), ...certificatesAnnotation(a.certificatesSince) },
          },
          spec: {
            serviceAccountName: BROKER,
            automountServiceAccountToken: false,
            securityContext: podSecurity(MOSQUITTO_UID),
            containers: [
              {
                name: "mosquitto",
                image: a.image,
                command: ["mosquitto", "-c", `${MOSQUITTO_PATHS.config}/mosquitto.conf`],
                ports: [{ name: "mqtts", containerPort: MQTT_TLS_PORT }],
                livenessProbe: { tcpSocket: { port: "mqtts" }, periodSeconds: 10 },
                readinessProbe: { tcpSocket: { port: "mqtts" }, periodSeconds: 5 },
                resources: resources({ request: "25m", limit: "500m" }, { request: "32Mi", limit: "256Mi" }),
                securityContext: CONTAINER_SECURITY,
                volumeMounts: [
                  { name: "config", mountPath: MOSQUITTO_PATHS.config, readOnly: true },
                  { name: "tls", mountPath: MOSQUITTO_PATHS.tls, readOnly: true },
                ],
              },
            ],
            volumes: [
              { name: "config", configMap: { name: BROKER } },
              { name: "tls", secret: { secretName: a.tlsSecret, defaultMode: 0o440 } },
            ],
          },
        },
      },
    }),
    manifest("v1", "Service", {
      metadata,
      spec: { selector, ports: [{ name: "mqtts", port: MQTT_TLS_PORT, targetPort: "mqtts" }] },
    }),
  ];
}
