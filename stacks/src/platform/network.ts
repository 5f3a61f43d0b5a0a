import { DEFAULT_RUNTIMES, LABELS, MANAGER } from "@edgefleet/api";
import type * as k8s from "@pulumi/kubernetes";
import { HTTP_PORT, MQTT_TLS_PORT } from "./contract.js";
import { type Manifest, manifest } from "./manifest.js";
import { componentLabels, selectorLabels } from "./pod.js";

type PolicySpec = k8s.types.input.networking.v1.NetworkPolicySpec;

export interface NetworkPlan {
  readonly operator: string;
  readonly gateway?: string;
  readonly broker?: string;
  readonly agent?: string;
  /** The operator's --prometheus-url: its port is opened to the operator, on any address. */
  readonly prometheusUrl?: string;
  /** The operator's OTLP collector: its port is opened to the operator, on any address. */
  readonly otlpEndpoint?: string;
}

type EgressRule = k8s.types.input.networking.v1.NetworkPolicyEgressRule;

const DNS: EgressRule = {
  to: [{ namespaceSelector: {}, podSelector: { matchLabels: { "k8s-app": "kube-dns" } } }],
  ports: [
    { protocol: "UDP", port: 53 },
    { protocol: "TCP", port: 53 },
  ],
};

// Prometheus runs in a namespace this program does not know; metrics are open to the cluster.
const METRICS_FROM_CLUSTER = { from: [{ namespaceSelector: {} }], ports: [{ protocol: "TCP", port: HTTP_PORT }] };

const pods = (component: string) => ({ matchLabels: selectorLabels(component) });

/**
 * TCP to these ports on any address (the API server's, Prometheus', the collector's), which a policy
 * cannot name. A port listed twice (Prometheus behind 443) is harmless, and kept: the Helm chart
 * reads the URLs' ports at install time, where it could not drop the repeat.
 */
const anyAddress = (ports: readonly number[]): EgressRule => ({
  ports: ports.map((port) => ({ protocol: "TCP", port })),
});

/** The API server: 443 through the kubernetes Service, 6443 where the endpoint is reached directly. */
const API_SERVER_PORTS = [443, 6443];

/** The port a URL connects to: its own, else its scheme's. */
export function urlPort(url: string): number {
  const u = new URL(url);
  return u.port ? Number(u.port) : u.protocol === "https:" ? 443 : 80;
}

/** The http ports (OIP v2) of the default catalog's runtimes, which the agents probe (8080 for all). */
export const RUNTIME_HTTP_PORTS = [
  ...new Set(DEFAULT_RUNTIMES.flatMap((r) => (r.spec.ports ?? []).filter((p) => p.name === "http").map((p) => p.containerPort))),
];

/**
 * The operator's runtime pods (its managed-by label), in
 * whatever namespace their EdgeModel lives: a model namespace is not known to this program.
 */
const TO_RUNTIME_PODS: EgressRule = {
  to: [{ namespaceSelector: {}, podSelector: { matchLabels: { [LABELS.managedBy]: MANAGER } } }],
  ports: RUNTIME_HTTP_PORTS.map((port) => ({ protocol: "TCP", port })),
};

/**
 * NetworkPolicies of the platform namespace, by name: deny everything, then allow what each
 * component needs. The operator may reach any address on 443/6443 (the API server's address is
 * not known to a policy), on its Prometheus' and OTLP collector's ports and the broker's (to publish
 * assignments); the broker takes MQTT/TLS from agents, the gateway and the operator only; agents
 * also reach the runtime pods' http port, and never the API server.
 */
export function networkPolicies(plan: NetworkPlan): Record<string, PolicySpec> {
  const mqttClients = [plan.agent, plan.gateway].filter((c): c is string => c !== undefined);
  const operatorUrls = [plan.prometheusUrl, plan.otlpEndpoint].filter((u): u is string => !!u);
  const toBroker = plan.broker ? [{ to: [{ podSelector: pods(plan.broker) }], ports: [{ protocol: "TCP", port: MQTT_TLS_PORT }] }] : [];
  const policies: Record<string, PolicySpec> = {
    "default-deny": { podSelector: {}, policyTypes: ["Ingress", "Egress"] },
    [plan.operator]: {
      podSelector: pods(plan.operator),
      policyTypes: ["Ingress", "Egress"],
      ingress: [METRICS_FROM_CLUSTER],
      egress: [DNS, anyAddress([...API_SERVER_PORTS, ...operatorUrls.map(urlPort)]), ...toBroker],
    },
  };
  if (plan.broker) {
    policies[plan.broker] = {
      podSelector: pods(plan.broker),
      policyTypes: ["Ingress", "Egress"],
      ingress: [
        { from: [...mqttClients, plan.operator].map((c) => ({ podSelector: pods(c) })), ports: [{ protocol: "TCP", port: MQTT_TLS_PORT }] },
      ],
      egress: [DNS],
    };
  }
  for (const client of mqttClients) {
    policies[client] = {
      podSelector: pods(client),
      policyTypes: ["Ingress", "Egress"],
      ingress: [METRICS_FROM_CLUSTER],
      egress: [DNS, ...toBroker, ...(client === plan.agent ? [TO_RUNTIME_PODS] : [])],
    };
  }
  return policies;
}

/** The policies as objects in the platform's namespace, each resource named for its policy. */
export function networkManifests(namespace: string, plan: NetworkPlan): Manifest[] {
  return Object.entries(networkPolicies(plan)).map(([policy, spec]) =>
    manifest(
      "networking.k8s.io/v1",
      "NetworkPolicy",
      { metadata: { name: policy, namespace, labels: componentLabels("edgefleet") }, spec },
      policy,
    ),
  );
}
