import { DEFAULT_DEVICE_TIMEOUT_SECONDS } from "@edgefleet/gateway";
import { HTTP_PORT } from "./contract.js";
import { type Manifest, manifest } from "./manifest.js";
import { componentLabels, edgefleetPodTemplate, fieldEnv, resources, selectorLabels } from "./pod.js";

export interface GatewayConfig {
  readonly namespace: string;
  readonly image: string;
  readonly replicas: number;
  /** Broker URL; without one (the platform runs no broker) no gateway is deployed. */
  readonly mqttUrl: string | undefined;
  /** kubernetes.io/tls Secret with the gateway's MQTT client certificate (CN edgefleet-gateway) and ca.crt. */
  readonly mqttClientSecret: string;
}

export const GATEWAY = "edgefleet-telemetry-gateway";
const MQTT_DIR = "/etc/edgefleet/mqtt";

/**
 * The gateway's flags (packages/gateway/src/options.ts parses them). The MQTT client id is the pod
 * name, which a StatefulSet keeps across restarts and rollouts: the broker then resumes the pod's
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
    `--tls-cert=${MQTT_DIR}/tls.crt`,
    `--tls-key=${MQTT_DIR}/tls.key`,
    "--client-id=$(POD_NAME)",
    ...(replicas === 1 ? [`--device-timeout=${DEFAULT_DEVICE_TIMEOUT_SECONDS}s`] : []),
  ];
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
