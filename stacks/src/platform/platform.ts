import { IMAGE_NAMES, imageReference } from "@edgefleet/api";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { AGENT, Agent } from "./agent.js";
import { Api } from "./api.js";
import type { PlatformArgs } from "./args.js";
import { BROKER, Broker } from "./broker.js";
import { GATEWAY, Gateway } from "./gateway.js";
import { Monitoring } from "./monitoring.js";
import { networkPolicies } from "./network.js";
import { OPERATOR, Operator } from "./operator.js";
import { componentLabels } from "./pod.js";

/**
 * The edgefleet platform on one cluster: its namespace, the EdgeModel/EdgeRuntime API and default
 * catalog, the operator, and (each on by default) the MQTT broker, telemetry gateway, edge agents,
 * monitoring and NetworkPolicies. Pass the cluster's Kubernetes provider in `opts.providers`.
 */
export class Platform extends pulumi.ComponentResource {
  readonly namespace: pulumi.Output<string>;
  readonly api: Api;
  readonly operator: Operator;

  constructor(name: string, args: PlatformArgs, opts?: pulumi.ComponentResourceOptions) {
    super("edgefleet:Platform", name, {}, opts);
    const parent = { parent: this };
    const ns = new k8s.core.v1.Namespace(name, { metadata: { name: args.namespace, labels: componentLabels("edgefleet") } }, parent);
    this.namespace = ns.metadata.name;
    const namespace = this.namespace;
    const img = (component: string) => imageReference(component, args.registry, args.version);
    // For the operator's --prometheus-url and OTLP env, and the egress its NetworkPolicy allows.
    const { prometheusUrl, otlp } = args.monitoring;
    const prometheus = prometheusUrl === undefined ? {} : { prometheusUrl };

    this.api = new Api(`${name}-api`, { catalog: args.catalog }, parent);
    this.operator = new Operator(
      `${name}-operator`,
      {
        namespace,
        image: img(IMAGE_NAMES.operator),
        // Same registry and version as the agent DaemonSets below, whether or not they are enabled.
        agentImage: img(IMAGE_NAMES.agent),
        replicas: args.operator.replicas,
        logLevel: args.operator.logLevel,
        ...prometheus,
        ...(otlp === undefined ? {} : { otlp }),
        clusterPrefix: args.namespace,
        // The operator starts by listing EdgeModels and EdgeRuntimes: their API must exist first.
        after: [this.api],
      },
      parent,
    );
    const broker = args.broker.enabled
      ? new Broker(
          `${name}-broker`,
          // The site pins every node's topics to edgefleet/v1/<site>/<node>/ in the ACL.
          { namespace, tlsSecret: args.broker.tlsSecret, site: args.site, ...(args.mqttCa ? { ca: args.mqttCa } : {}) },
          parent,
        )
      : undefined;
    const mqttUrl = broker?.url;
    if (args.gateway.enabled) {
      new Gateway(
        `${name}-gateway`,
        {
          namespace,
          image: img(IMAGE_NAMES.gateway),
          replicas: args.gateway.replicas,
          mqttUrl,
          mqttClientSecret: args.gateway.mqttClientSecret,
          ...(args.mqttCa ? { ca: args.mqttCa } : {}),
        },
        parent,
      );
    }
    // Like the gateway, agents need the broker: without one they would only fill their spools.
    const agents = args.agent.enabled && mqttUrl !== undefined;
    if (agents) {
      const { hardwareClasses } = args.agent;
      new Agent(
        `${name}-agent`,
        { namespace, image: img(IMAGE_NAMES.agent), site: args.site, hardwareClasses, brokerUrl: mqttUrl, clusterPrefix: args.namespace },
        parent,
      );
    }
    const { rulesAs, dashboards } = args.monitoring;
    new Monitoring(`${name}-monitoring`, { namespace: args.namespace, rulesAs, dashboards }, { ...parent, dependsOn: [ns] });

    if (args.networkPolicies) {
      const plan = {
        operator: OPERATOR,
        ...(args.broker.enabled ? { broker: BROKER } : {}),
        ...(args.gateway.enabled ? { gateway: GATEWAY } : {}),
        ...(agents ? { agent: AGENT } : {}),
        ...prometheus,
        ...(otlp === undefined ? {} : { otlpEndpoint: otlp.endpoint }),
      };
      for (const [policy, spec] of Object.entries(networkPolicies(plan))) {
        new k8s.networking.v1.NetworkPolicy(
          `${name}-${policy}`,
          { metadata: { name: policy, namespace, labels: componentLabels("edgefleet") }, spec },
          parent,
        );
      }
    }
    this.registerOutputs({ namespace });
  }
}
