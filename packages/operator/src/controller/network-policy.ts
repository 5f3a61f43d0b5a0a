import type { V1LabelSelector, V1ObjectMeta } from "@kubernetes/client-node";

/**
 * A NetworkPolicy admitting some pods to some ports, as the API server reads it: client-node's
 * V1NetworkPolicy spells an ingress rule's `from` as `_from`, its serializer's name, and these
 * objects are sent as they are.
 */
export interface IngressPolicy {
  apiVersion: "networking.k8s.io/v1";
  kind: "NetworkPolicy";
  metadata: V1ObjectMeta;
  spec: {
    podSelector: V1LabelSelector;
    policyTypes: ["Ingress"];
    ingress: { from: { podSelector: V1LabelSelector }[]; ports: { protocol: "TCP"; port: number }[] }[];
  };
}
