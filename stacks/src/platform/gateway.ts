import { DEFAULT_DEVICE_TIMEOUT_SECONDS } from "@edgefleet/gateway";
import type { Issued } from "@edgefleet/kit";
import { certificatesAnnotation } from "./broker.js";
import { GATEWAY, gatewayMqttIdentity, HTTP_PORT, RETIRE_MQTT_IDENTITY } from "./contract.js";
import { type Manifest, manifest } from "./manifest.js";
import { componentLabels, edgefleetPodTemplate, fieldEnv, resources, selectorLabels } from "./pod.js";

export interface GatewayConfig {
  readonly namespace: string;
  readonly image: string;
  readonly replicas: number;
  /** Broker URL; without one (the platform runs no broker) no gateway is deployed. */
  readonly mqttUrl: string | undefined;
  /** Secret with ca.crt and each replica's MQTT client certificate and key, <pod name>.crt and .key (gatewaySecretData). */
  readonly mqttClientSecret: string;
  /** Start of the issued certificates' validity window (certificatesAnnotation). */
  readonly certificatesSince?: string;
}

const MQTT_DIR = "/etc/edgefleet/mqtt";

/**
 * The gateway's flags (packages/gateway/src/options.ts parses them). Each replica presents its own
 * certificate, the one named for its pod, whose CN is the pod's name (gatewayMqttIdentity): the
 * broker makes that CN the MQTT client id, whatever --client-id says (the same name), so replicas
 * never take over each other's session. The client id is thus the pod name, which a StatefulSet
 * keeps across restarts and rollouts: the broker then resumes the pod's
 * persistent session with what was queued for it, instead of holding an orphaned session that keeps
 * taking its share of the shared subscription until it expires. A lone replica gets every message
 * of its shared group, so it can time silent devices out itself (off by default in a shared group;
 * docs/telemetry.md, "Device timeout").
 */
export function gatewayArgs(mqttUrl: string, replicas: number): string[] {
  return [
    `--http-address=0.0.0.0:${HTTP_PORT}`,
    `--broker-url=${mqttUrl}`,
    `--tls-ca=${MQTT_DIR}/ca.crt`,
    `--tls-cert=${MQTT_DIR}/$(POD_NAME).crt`,
    `--tls-key=${MQTT_DIR}/$(POD_NAME).key`,
    "--client-id=$(POD_NAME)",
    ...(replicas === 1 ? [`--device-timeout=${DEFAULT_DEVICE_TIMEOUT_SECONDS}s`] : []),
  ];
}

/** Where the retire command's certificate and key sit in the gateway's Secret (runbooks: retiring a device). */
export const RETIRE_FILES = { cert: "retire.crt", key: "retire.key" };

/**
 * The gateway's Secret: ca.crt, each replica's certificate and key as <pod name>.crt and .key
 * (what gatewayArgs reads), and the retire command's. Every replica mounts all of them: the
 * identities keep sessions apart, they do not keep one replica from another's key.
 */
export function gatewaySecretData(issue: (cn: string) => Issued, replicas: number): Record<string, string> {
  const data: Record<string, string> = {};
  const add = (id: Issued, cert: string, key: string) => {
    data["ca.crt"] = id.ca;
    data[cert] = id.cert;
    data[key] = id.key;
  };
  for (let i = 0; i < replicas; i++) add(issue(gatewayMqttIdentity(i)), `${gatewayMqttIdentity(i)}.crt`, `${gatewayMqttIdentity(i)}.key`);
  add(issue(RETIRE_MQTT_IDENTITY), RETIRE_FILES.cert, RETIRE_FILES.key);
  return data;
}

/**
 * The telemetry gateway: subscribes to every node's messages on the broker and serves them as
 * Prometheus metrics on /metrics. Replicas split the telemetry through an MQTT 5 shared
 * subscription; every replica keeps the whole device registry (births and deaths reach all).
 */
export function gatewayManifests(a: GatewayConfig): Manifest[] {
  // Nothing to subscribe to: the gateway would only fail on its missing --broker-url.
  if (a.mqttUrl === undefined) return [];
  const labels = componentLabels(GATEWAY);
  const metadata = { name: GATEWAY, namespace: a.namespace, labels };
  const selector = selectorLabels(GATEWAY);
  return [
    manifest("v1", "ServiceAccount", { metadata, automountServiceAccountToken: false }),
    manifest("apps/v1", "StatefulSet", {
      metadata,
      spec: {
        replicas: a.replicas,
        serviceName: GATEWAY,
        // Replicas are peers in one shared subscription: none waits for another.
        podManagementPolicy: "Parallel",
        selector: { matchLabels: selector },
        template: edgefleetPodTemplate({
          component: GATEWAY,
          annotations: certificatesAnnotation(a.certificatesSince),
          serviceAccountName: GATEWAY,
          apiAccess: false,
          container: {
            name: "gateway",
            image: a.image,
            args: gatewayArgs(a.mqttUrl, a.replicas),
            env: [fieldEnv("POD_NAME", "metadata.name")],
            resources: resources({ request: "50m", limit: "1" }, { request: "64Mi", limit: "512Mi" }),
            mounts: [{ name: "mqtt", mountPath: MQTT_DIR, readOnly: true }],
          },
          volumes: [{ name: "mqtt", secret: { secretName: a.mqttClientSecret, defaultMode: 0o440 } }],
        }),
      },
    }),
    manifest("v1", "Service", { metadata, spec: { selector, ports: [{ name: "http", port: HTTP_PORT, targetPort: "http" }] } }),
  ];
}
