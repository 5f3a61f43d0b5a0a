import { HARDWARE_CLASSES } from "../k3s/hardware.js";
import type { LogLevel, OtlpProtocol, PlatformArgs } from "../platform/args.js";

/**
 * How the chart generator turns the platform's pure functions (platformManifests) into templates:
 * it calls them with a symbolic configuration. Each value a user sets is a sentinel that passes
 * through the functions untouched and is then replaced in the YAML by the Helm expression that
 * reads it; each choice that shapes the objects (a component on or off, one replica or more) is a
 * switch, rendered both ways and written as an `if` on its Helm expression.
 */

/** A value-dependent choice: the Helm condition for `true`. */
export interface Switch {
  readonly name: string;
  readonly helm: string;
}

const sw = (name: string, helm: string): Switch => ({ name, helm });

/**
 * Switches in groups whose objects are disjoint (the generator checks this): each group is rendered
 * in every combination with the others at their first assignment, which is far fewer renders than
 * every combination of all switches and gives the same templates when no object depends on two groups.
 */
export const SWITCH_GROUPS: readonly (readonly Switch[])[] = [
  [sw("catalog", "$.Values.catalog")],
  [
    sw(
      "prometheusRule",
      `or (eq $.Values.monitoring.rulesAs "PrometheusRule") (and (eq $.Values.monitoring.rulesAs "auto") ($.Capabilities.APIVersions.Has "monitoring.coreos.com/v1/PrometheusRule"))`,
    ),
    sw("dashboards", "$.Values.monitoring.dashboards"),
  ],
  [
    sw("networkPolicies", "$.Values.networkPolicies"),
    sw("brokerEnabled", "$.Values.broker.enabled"),
    sw("gatewayEnabled", "$.Values.gateway.enabled"),
    sw("agentEnabled", "$.Values.agent.enabled"),
    sw("prometheus", "$.Values.monitoring.prometheusUrl"),
    sw("otlp", "$.Values.monitoring.otlpEndpoint"),
    sw("artifactCa", "$.Values.operator.artifactCaBundle"),
    sw("operatorStandby", "gt (int $.Values.operator.replicas) 1"),
    sw("gatewaySingle", "eq (int $.Values.gateway.replicas) 1"),
  ],
];

export type Assignment = Readonly<Record<string, boolean>>;

/** The URL sentinels' ports, which urlPort (network.ts) reads from them. */
const PROMETHEUS_PORT = 59001;
const OTLP_PORT = 59002;
const URL_PORT = (value: string) => `include "edgefleet.urlPort" ${value}`;

/** Sentinel → Helm expression. Strings before the numbers: the URLs contain their ports. */
export const SENTINELS = {
  namespace: { text: "efsentinel-namespace", helm: "$.Release.Namespace" },
  site: { text: "efsentinel-site", helm: "$.Values.site" },
  registry: { text: "efsentinel-registry", helm: "$.Values.registry" },
  version: { text: "efsentinel-version", helm: "$.Values.version" },
  logLevel: { text: "efsentinel-loglevel", helm: "$.Values.operator.logLevel" },
  artifactCaBundle: { text: "efsentinel-artifact-ca", helm: "$.Values.operator.artifactCaBundle" },
  // Always passed: an empty list gives an empty flag, which the operator reads as none.
  plainHttpRegistries: { text: "efsentinel-plain-http", helm: `join "," $.Values.operator.artifactPlainHttpRegistries` },
  installDeadline: { text: "efsentinel-install-deadline", helm: "$.Values.operator.artifactInstallDeadline" },
  gatewaySecret: { text: "efsentinel-gateway-secret", helm: "$.Values.gateway.mqttClientSecret" },
  brokerSecret: { text: "efsentinel-broker-secret", helm: "$.Values.broker.tlsSecret" },
  brokerImage: { text: "efsentinel-broker-image", helm: "$.Values.broker.image" },
  hardwareClass: { text: "efsentinel-class", helm: "$class" },
  prometheusUrl: { text: `http://efsentinel-prometheus:${PROMETHEUS_PORT}`, helm: "$.Values.monitoring.prometheusUrl" },
  otlpEndpoint: { text: `http://efsentinel-otlp:${OTLP_PORT}`, helm: "$.Values.monitoring.otlpEndpoint" },
} as const;

/** Sentinels that need their own expression: defaults, numbers. */
export const EXPRESSIONS = (otlpDefault: string): readonly { readonly text: string; readonly helm: string }[] => [
  { text: "efsentinel-otlp-protocol", helm: `$.Values.monitoring.otlpProtocol | default "${otlpDefault}"` },
  { text: String(PROMETHEUS_PORT), helm: URL_PORT("$.Values.monitoring.prometheusUrl") },
  { text: String(OTLP_PORT), helm: URL_PORT("$.Values.monitoring.otlpEndpoint") },
  { text: "987654301", helm: "$.Values.operator.replicas" },
  { text: "987654302", helm: "$.Values.gateway.replicas" },
];
/** What a sentinel left in the output would contain. */
export const SENTINEL_MARKS = ["efsentinel", "98765430"];

/** The built-in classes, rendered each as it is, then the sentinel for any other class. */
export const CLASSES = [...Object.keys(HARDWARE_CLASSES), SENTINELS.hardwareClass.text];

/** The platform's configuration for one assignment of the switches, every value a sentinel. */
export function symbolicArgs(on: Assignment): Omit<PlatformArgs, "mqttCa"> {
  const s = SENTINELS;
  return {
    namespace: s.namespace.text,
    site: s.site.text,
    version: s.version.text,
    registry: s.registry.text,
    catalog: !!on.catalog,
    networkPolicies: !!on.networkPolicies,
    operator: {
      replicas: on.operatorStandby ? 987654301 : 1,
      logLevel: s.logLevel.text as LogLevel,
      ...(on.artifactCa ? { artifactCaBundle: s.artifactCaBundle.text } : {}),
      artifactPlainHttpRegistries: [s.plainHttpRegistries.text],
      artifactInstallDeadline: s.installDeadline.text,
    },
    gateway: { enabled: !!on.gatewayEnabled, replicas: on.gatewaySingle ? 1 : 987654302, mqttClientSecret: s.gatewaySecret.text },
    broker: { enabled: !!on.brokerEnabled, image: s.brokerImage.text, tlsSecret: s.brokerSecret.text },
    agent: { enabled: !!on.agentEnabled, hardwareClasses: CLASSES },
    monitoring: {
      rulesAs: on.prometheusRule ? "PrometheusRule" : "ConfigMap",
      dashboards: !!on.dashboards,
      ...(on.prometheus ? { prometheusUrl: s.prometheusUrl.text } : {}),
      ...(on.otlp ? { otlp: { endpoint: s.otlpEndpoint.text, protocol: "efsentinel-otlp-protocol" as OtlpProtocol } } : {}),
    },
  };
}
