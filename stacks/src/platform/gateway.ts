import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { CertificateAuthority } from "../pki/certificates.js";
import { GATEWAY_MQTT_IDENTITY, HTTP_PORT } from "./contract.js";
import { componentLabels, edgefleetPodTemplate, resources, selectorLabels } from "./pod.js";
import { tlsSecret } from "./tls-secret.js";

export interface GatewayArgs {
  readonly namespace: pulumi.Input<string>;
  readonly image: string;
  readonly replicas: number;
  /** Broker URL, or undefined when the platform runs no broker (the gateway then serves only what is pushed to it). */
  readonly mqttUrl: pulumi.Input<string> | undefined;
  /** kubernetes.io/tls Secret with the gateway's MQTT client certificate (CN edgefleet-gateway) and ca.crt. */
  readonly mqttClientSecret: string;
  /** Issues that certificate into mqttClientSecret; without it, the Secret is made outside Pulumi. */
  readonly ca?: CertificateAuthority;
}

export const GATEWAY = "edgefleet-telemetry-gateway";
const MQTT_DIR = "/etc/edgefleet/mqtt";

/**
 * The telemetry gateway: subscribes to every node's telemetry on the broker and serves it as
 * Prometheus metrics on /metrics. Stateless, so it scales by replicas (MQTT shared subscriptions).
 */
export class Gateway extends pulumi.ComponentResource {
  constructor(name: string, args: GatewayArgs, opts?: pulumi.ComponentResourceOptions) {
    super("edgefleet:platform:Gateway", name, {}, opts);
    const parent = { parent: this };
    const labels = componentLabels(GATEWAY);
    const meta = { name: GATEWAY, namespace: args.namespace, labels };
    const selector = selectorLabels(GATEWAY);
    const sa = new k8s.core.v1.ServiceAccount(name, { metadata: meta, automountServiceAccountToken: false }, parent);
    const mqttArgs = args.mqttUrl
      ? [
          pulumi.interpolate`--mqtt-url=${args.mqttUrl}`,
          `--mqtt-ca=${MQTT_DIR}/ca.crt`,
          `--mqtt-cert=${MQTT_DIR}/tls.crt`,
          `--mqtt-key=${MQTT_DIR}/tls.key`,
        ]
      : [];
    const secret =
      args.mqttUrl && args.ca
        ? tlsSecret(name, { ...meta, name: args.mqttClientSecret }, args.ca.issue(GATEWAY_MQTT_IDENTITY), parent)
        : undefined;
    new k8s.apps.v1.Deployment(
      name,
      {
        metadata: meta,
        spec: {
          replicas: args.replicas,
          selector: { matchLabels: selector },
          template: edgefleetPodTemplate({
            component: GATEWAY,
            serviceAccountName: sa.metadata.name,
            apiAccess: false,
            container: {
              name: "gateway",
              image: args.image,
              args: [`--http-port=${HTTP_PORT}`, ...mqttArgs],
              resources: resources({ request: "50m", limit: "1" }, { request: "64Mi", limit: "512Mi" }),
              mounts: args.mqttUrl ? [{ name: "mqtt", mountPath: MQTT_DIR, readOnly: true }] : [],
            },
            volumes: args.mqttUrl ? [{ name: "mqtt", secret: { secretName: args.mqttClientSecret, defaultMode: 0o440 } }] : [],
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
