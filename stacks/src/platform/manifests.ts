import { IMAGE_NAMES, imageReference } from "@edgefleet/api";
import { AGENT, agentManifests } from "./agent.js";
import { apiManifests } from "./api.js";
import type { PlatformArgs } from "./args.js";
import { BROKER, brokerManifests, brokerUrl } from "./broker.js";
import { GATEWAY } from "./contract.js";
import { gatewayManifests } from "./gateway.js";
import { type Manifest, manifest } from "./manifest.js";
import { monitoringManifests } from "./monitoring.js";
import { networkManifests } from "./network.js";
import { OPERATOR, operatorManifests } from "./operator.js";
import { componentLabels } from "./pod.js";

/** The platform's objects, by component, in the order they are applied. */
export interface PlatformManifests {
  readonly namespace: Manifest[];
  /** CRDs, then the catalog. */
  readonly api: Manifest[];
  readonly operator: Manifest[];
  readonly broker: Manifest[];
  readonly gateway: Manifest[];
  readonly agent: Manifest[];
  readonly monitoring: Manifest[];
  readonly networkPolicies: Manifest[];
}

/**
 * Every object of the edgefleet platform on one cluster, from its resolved configuration: its
 * namespace, the EdgeModel/EdgeRuntime API and default catalog, the operator, and (each on by
 * default) the MQTT broker, telemetry gateway, edge agents, monitoring and NetworkPolicies. What
 * the Pulumi Platform registers and the Helm chart templates; mqttCa (Pulumi's certificates) aside.
 */
export function platformManifests(args: Omit<PlatformArgs, "mqttCa">): PlatformManifests {
  const namespace = args.namespace;
  const img = (component: string) => imageReference(component, args.registry, args.version);
  // For the operator's --prometheus-url and OTLP env, and the egress its NetworkPolicy allows.
  const { prometheusUrl, otlp, rulesAs, dashboards } = args.monitoring;
  const mqttUrl = args.broker.enabled ? brokerUrl(namespace) : undefined;
  // Like the gateway, agents need the broker: without one they would only fill their spools.
  const agents = args.agent.enabled && mqttUrl !== undefined;
  const since = args.mqttCertificatesSince === undefined ? {} : { certificatesSince: args.mqttCertificatesSince };
  return {
    namespace: [manifest("v1", "Namespace", { metadata: { name: namespace, labels: componentLabels("edgefleet") } })],
    api: apiManifests(args.catalog),
    operator: operatorManifests({
      namespace,
      image: img(IMAGE_NAMES.operator),
      // Same registry and version as the agent DaemonSets, whether or not they are enabled.
      agentImage: img(IMAGE_NAMES.agent),
      buildImage: img(IMAGE_NAMES.modelBuild),
      replicas: args.operator.replicas,
      logLevel: args.operator.logLevel,
      ...(args.operator.artifactCaBundle === undefined ? {} : { artifactCaBundle: args.operator.artifactCaBundle }),
      ...(args.operator.artifactPlainHttpRegistries === undefined
        ? {}
        : { artifactPlainHttpRegistries: args.operator.artifactPlainHttpRegistries }),
      ...(args.operator.artifactInstallDeadline === undefined ? {} : { artifactInstallDeadline: args.operator.artifactInstallDeadline }),
      ...(prometheusUrl === undefined ? {} : { prometheusUrl }),
      ...(otlp === undefined ? {} : { otlp }),
      clusterPrefix: namespace,
      ...(mqttUrl === undefined ? {} : { mqtt: { url: mqttUrl, site: args.site, ...since } }),
    }),
    // The site pins every node's topics to edgefleet/v1/<site>/<node>/ in the ACL.
    broker: args.broker.enabled
      ? brokerManifests({
          namespace,
          image: args.broker.image,
          tlsSecret: args.broker.tlsSecret,
          site: args.site,
          ...(args.mqttRevocationList === undefined ? {} : { revocationList: args.mqttRevocationList }),
          ...(args.mqttNodes === undefined ? {} : { nodes: args.mqttNodes }),
          ...since,
        })
      : [],
    gateway: args.gateway.enabled
      ? gatewayManifests({
          namespace,
          image: img(IMAGE_NAMES.gateway),
          replicas: args.gateway.replicas,
          mqttUrl,
          mqttClientSecret: args.gateway.mqttClientSecret,
          ...since,
        })
      : [],
    agent:
      agents && mqttUrl !== undefined
        ? agentManifests({
            namespace,
            image: img(IMAGE_NAMES.agent),
            site: args.site,
            hardwareClasses: args.agent.hardwareClasses,
            brokerUrl: mqttUrl,
          })
        : [],
    monitoring: monitoringManifests({ namespace, rulesAs, dashboards }),
    networkPolicies: args.networkPolicies
      ? networkManifests(namespace, {
          operator: OPERATOR,
          ...(args.broker.enabled ? { broker: BROKER } : {}),
          ...(args.gateway.enabled ? { gateway: GATEWAY } : {}),
          ...(agents ? { agent: AGENT } : {}),
          ...(prometheusUrl === undefined ? {} : { prometheusUrl }),
          ...(otlp === undefined ? {} : { otlpEndpoint: otlp.endpoint }),
        })
      : [],
  };
}
