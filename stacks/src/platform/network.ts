import type * as k8s from "@pulumi/kubernetes";
import { HTTP_PORT, MQTT_TLS_PORT } from "./contract.js";
import { selectorLabels } from "./pod.js";

type PolicySpec = k8s.types.input.networking.v1.NetworkPolicySpec;

export interface NetworkPlan {
  readonly operator: string;
  readonly gateway?: string;
  readonly broker?: string;
  readonly agent?: string;
}

const DNS: k8s.types.input.networking.v1.NetworkPolicyEgressRule = {
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
 * NetworkPolicies of the platform namespace, by name: deny everything, then allow what each
 * component needs. The operator may reach any address on 443/6443 (the API server's address is
 * not known to a policy); the broker takes MQTT/TLS from agents and the gateway only.
 */
export function networkPolicies(plan: NetworkPlan): Record<string, PolicySpec> {
  const mqttClients = [plan.agent, plan.gateway].filter((c): c is string => c !== undefined);
  const toBroker = plan.broker ? [{ to: [{ podSelector: pods(plan.broker) }], ports: [{ protocol: "TCP", port: MQTT_TLS_PORT }] }] : [];
  const policies: Record<string, PolicySpec> = {
    "default-deny": { podSelector: {}, policyTypes: ["Ingress", "Egress"] },
    [plan.operator]: {
      podSelector: pods(plan.operator),
      policyTypes: ["Ingress", "Egress"],
      ingress: [METRICS_FROM_CLUSTER],
      egress: [
        DNS,
        {
          ports: [
            { protocol: "TCP", port: 443 },
            { protocol: "TCP", port: 6443 },
          ],
        },
      ],
    },
  };
  if (plan.broker) {
    policies[plan.broker] = {
      podSelector: pods(plan.broker),
      policyTypes: ["Ingress", "Egress"],
      ingress: [{ from: mqttClients.map((c) => ({ podSelector: pods(c) })), ports: [{ protocol: "TCP", port: MQTT_TLS_PORT }] }],
      egress: [DNS],
    };
  }
  for (const client of mqttClients) {
    policies[client] = {
      podSelector: pods(client),
      policyTypes: ["Ingress", "Egress"],
      ingress: [METRICS_FROM_CLUSTER],
      egress: [DNS, ...toBroker],
    };
  }
  return policies;
}
