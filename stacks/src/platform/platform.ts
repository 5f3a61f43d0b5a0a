import * as pulumi from "@pulumi/pulumi";
import type { PlatformArgs } from "./args.js";
import { BROKER, brokerDnsNames } from "./broker.js";
import { GATEWAY, OPERATOR_MQTT_IDENTITY, OPERATOR_MQTT_SECRET } from "./contract.js";
import { gatewaySecretData } from "./gateway.js";
import { platformManifests } from "./manifests.js";
import { OPERATOR } from "./operator.js";
import { PlatformPart, register } from "./part.js";
import { componentLabels } from "./pod.js";
import { keySecret, tlsSecret } from "./tls-secret.js";

/**
 * The edgefleet platform on one cluster: the objects of platformManifests (manifests.ts), each
 * component under its own component resource, and, given the site's MQTT CA, the broker's and the
 * gateway's certificates issued into their Secrets. Pass the cluster's Kubernetes provider in
 * `opts.providers`.
 */
export class Platform extends pulumi.ComponentResource {
  readonly namespace: pulumi.Output<string>;
  /** Names of the CRDs and of the catalog's EdgeRuntimes. */
  readonly crds: string[];
  readonly runtimes: string[];

  constructor(name: string, args: PlatformArgs, opts?: pulumi.ComponentResourceOptions) {
    super("edgefleet:Platform", name, {}, opts);
    const m = platformManifests(args);
    const [ns] = register(name, m.namespace, this);
    if (!ns) throw new Error("platformManifests made no Namespace");
    this.namespace = pulumi.output(args.namespace);
    const inNamespace = { parent: this, after: [ns] };
    const objectNames = (kind: string) => m.api.filter((x) => x.object.kind === kind).map((x) => x.object.metadata.name);
    [this.crds, this.runtimes] = [objectNames("CustomResourceDefinition"), objectNames("EdgeRuntime")];

    const api = new PlatformPart("edgefleet:platform:Api", `${name}-api`, m.api, { parent: this });
    // Given the site's CA, Pulumi issues the certificates the broker, the operator and the gateway mount.
    const { mqttCa: ca, namespace } = args;
    const metadata = (secret: string, component: string) => ({ name: secret, namespace, labels: componentLabels(component) });
    // The operator starts by listing EdgeModels and EdgeRuntimes: their API must exist first.
    new PlatformPart("edgefleet:platform:Operator", `${name}-operator`, m.operator, {
      ...inNamespace,
      workloadsAfter: [api],
      before:
        ca && m.broker.length
          ? (parent) => [
              tlsSecret(`${name}-operator-mqtt`, metadata(OPERATOR_MQTT_SECRET, OPERATOR), ca.issue(OPERATOR_MQTT_IDENTITY), {
                parent,
                dependsOn: [ns],
              }),
            ]
          : undefined,
    });
    if (m.broker.length) {
      new PlatformPart("edgefleet:platform:Broker", `${name}-broker`, m.broker, {
        ...inNamespace,
        before:
          ca &&
          ((parent) => [
            tlsSecret(`${name}-broker`, metadata(args.broker.tlsSecret, BROKER), ca.issue(BROKER, brokerDnsNames(namespace)), {
              parent,
              dependsOn: [ns],
            }),
          ]),
      });
    }
    if (args.gateway.enabled) {
      new PlatformPart("edgefleet:platform:Gateway", `${name}-gateway`, m.gateway, {
        ...inNamespace,
        // No gateway without a broker, and then no certificate for it either.
        ...(m.gateway.length && ca
          ? {
              before: (parent: pulumi.Resource) => [
                keySecret(
                  `${name}-gateway`,
                  metadata(args.gateway.mqttClientSecret, GATEWAY),
                  "Opaque",
                  gatewaySecretData((cn) => ca.issue(cn), args.gateway.replicas),
                  { parent, dependsOn: [ns] },
                ),
              ],
            }
          : {}),
      });
    }
    if (m.agent.length) new PlatformPart("edgefleet:platform:Agent", `${name}-agent`, m.agent, inNamespace);
    new PlatformPart("edgefleet:platform:Monitoring", `${name}-monitoring`, m.monitoring, inNamespace);
    register(name, m.networkPolicies, this, { after: [ns] });
    this.registerOutputs({ namespace: this.namespace });
  }
}
