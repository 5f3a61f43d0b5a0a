import { createHash } from "node:crypto";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { CertificateAuthority } from "../pki/certificates.js";
import { MOSQUITTO_IMAGE, MOSQUITTO_UID, MQTT_TLS_PORT } from "./contract.js";
import { MOSQUITTO_PATHS, mosquittoAcl, mosquittoConfig } from "./mosquitto.js";
import { CONTAINER_SECURITY, componentLabels, podSecurity, resources, selectorLabels } from "./pod.js";
import { tlsSecret } from "./tls-secret.js";

export interface BrokerArgs {
  readonly namespace: pulumi.Input<string>;
  /** kubernetes.io/tls Secret with tls.crt, tls.key and ca.crt (the CA of every client). */
  readonly tlsSecret: string;
  /** Issues the broker's certificate into tlsSecret; without it, the Secret is made outside Pulumi. */
  readonly ca?: CertificateAuthority;
  /** The site's name: nodes may publish only under edgefleet/v1/<site>/<node>/; any site when left out. */
  readonly site?: string;
}

export const BROKER = "edgefleet-mqtt";

/** Mosquitto over TLS with client certificates and the per-node ACL (see mosquitto.ts). */
export class Broker extends pulumi.ComponentResource {
  /** In-cluster URL clients connect to. */
  readonly url: pulumi.Output<string>;

  constructor(name: string, args: BrokerArgs, opts?: pulumi.ComponentResourceOptions) {
    super("edgefleet:platform:Broker", name, {}, opts);
    const parent = { parent: this };
    const labels = componentLabels(BROKER);
    const meta = { name: BROKER, namespace: args.namespace, labels };
    const data = { "mosquitto.conf": mosquittoConfig(), acl: mosquittoAcl(args.site === undefined ? {} : { site: args.site }) };
    const config = new k8s.core.v1.ConfigMap(name, { metadata: meta, data }, parent);
    const sa = new k8s.core.v1.ServiceAccount(name, { metadata: meta, automountServiceAccountToken: false }, parent);
    const dnsNames = pulumi.output(args.namespace).apply((ns) => [`${BROKER}.${ns}.svc`, `${BROKER}.${ns}.svc.cluster.local`]);
    const ca = args.ca;
    const secret =
      ca &&
      tlsSecret(
        name,
        { ...meta, name: args.tlsSecret },
        dnsNames.apply((names) => ca.issue(BROKER, names)),
        parent,
      );
    const selector = selectorLabels(BROKER);
    new k8s.apps.v1.Deployment(
      name,
      {
        metadata: meta,
        spec: {
          replicas: 1,
          // Two brokers would split the clients' subscriptions; replace, never overlap.
          strategy: { type: "Recreate" },
          selector: { matchLabels: selector },
          template: {
            // A changed config rolls the pod: Mosquitto reads it at start only.
            metadata: {
              labels,
              annotations: { "edgefleet.io/config-hash": createHash("sha256").update(JSON.stringify(data)).digest("hex").slice(0, 16) },
            },
            spec: {
              serviceAccountName: sa.metadata.name,
              automountServiceAccountToken: false,
              securityContext: podSecurity(MOSQUITTO_UID),
              containers: [
                {
                  name: "mosquitto",
                  image: MOSQUITTO_IMAGE,
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
                { name: "config", configMap: { name: config.metadata.name } },
                { name: "tls", secret: { secretName: args.tlsSecret, defaultMode: 0o440 } },
              ],
            },
          },
        },
      },
      // Mosquitto cannot start without its certificate.
      { ...parent, dependsOn: secret ? [secret] : [] },
    );
    const service = new k8s.core.v1.Service(
      name,
      { metadata: meta, spec: { selector, ports: [{ name: "mqtts", port: MQTT_TLS_PORT, targetPort: "mqtts" }] } },
      parent,
    );
    this.url = pulumi.interpolate`mqtts://${service.metadata.name}.${service.metadata.namespace}.svc:${MQTT_TLS_PORT}`;
    this.registerOutputs({ url: this.url });
  }
}
