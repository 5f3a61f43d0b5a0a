import { DEFAULT_DEVICE_TIMEOUT_SECONDS } from "@edgefleet/gateway";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { CertificateAuthority } from "../pki/certificates.js";
import { GATEWAY_MQTT_IDENTITY, HTTP_PORT } from "./contract.js";
import { componentLabels, edgefleetPodTemplate, fieldEnv, resources, selectorLabels } from "./pod.js";
import { tlsSecret } from "./tls-secret.js";

export interface GatewayArgs {
  readonly namespace: pulumi.Input<string>;
  readonly image: string;
  readonly replicas: number;
  /** Broker URL; without one (the platform runs no broker) no gateway is deployed. */
  readonly mqttUrl: pulumi.Input<string> | undefined;
  /** kubernetes.io/tls Secret with the gateway's MQTT client certificate (CN edgefleet-gateway) and ca.crt. */
  readonly mqttClientSecret: string;
  /** Issues that certificate into mqttClientSecret; without it, the Secret is made outside Pulumi. */
  readonly ca?: CertificateAuthority;
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
export function gatewayArgs(mqttUrl: pulumi.Input<string>, replicas: number): pulumi.Input<string>[] {
  return [
    `--http-address=0.0.0.0:${HTTP_PORT}`,
    pulumi.interpolate`--broker-url=${mqttUrl}`,
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
export class Gateway extends pulumi.ComponentResource {
  constructor(name: string, args: GatewayArgs, opts?: pulumi.ComponentResourceOptions) {
    super("edgefleet:platform:Gateway", name, {}, opts);
    const parent = { parent: this };
    const labels = componentLabels(GATEWAY);
    const meta = { name: GATEWAY, namespace: args.namespace, labels };
    const selector = selectorLabels(GATEWAY);
    const mqttUrl = args.mqttUrl;
    if (mqttUrl === undefined) {
      // Nothing to subscribe to: the gateway would only fail on its missing --broker-url.
      this.registerOutputs({});
      return;
    }
    const sa = new k8s.core.v1.ServiceAccount(name, { metadata: meta, automountServiceAccountToken: false }, parent);
    const secret = args.ca
      ? tlsSecret(name, { ...meta, name: args.mqttClientSecret }, args.ca.issue(GATEWAY_MQTT_IDENTITY), parent)
      : undefined;
    new k8s.apps.v1.StatefulSet(
      name,
      {
        metadata: meta,
        spec: {
          replicas: args.replicas,
          serviceName: GATEWAY,
          // Replicas are peers in one shared subscription: none waits for another.
          podManagementPolicy: "Parallel",
          selector: { matchLabels: selector },
          template: edgefleetPodTemplate({
            component: GATEWAY,
            serviceAccountName: sa.metadata.name,
            apiAccess: false,
            container: {
              name: "gateway",
              image: args.image,
              args: gatewayArgs(mqttUrl, args.replicas),
              env: [fieldEnv("POD_NAME", "metadata.name")],
              resources: resources({ request: "50m", limit: "1" }, { request: "64Mi", limit: "512Mi" }),
              mounts: [{ name: "mqtt", mountPath: MQTT_DIR, readOnly: true }],
            },
            volumes: [{ name: "mqtt", secret: { secretName: args.mqttClientSecret, defaultMode: 0o440 } }],
          }),
        },
      },
      { ...parent, dependsOn: secret ? [secret] : [] },
    );
    new k8s.core.v1.Service(
      name,
      { metadata: meta, spec: { selector, ports: [{ name: "http", port: HTTP_PORT, targetPort: "http" }] } },
      parent,
    );
    this.registerOutputs({});
  }
}
