import type * as k8s from "@pulumi/kubernetes";
import { type Manifest, manifest } from "./manifest.js";

const RBAC = "rbac.authorization.k8s.io/v1";

export interface ClusterGrant {
  /** Name of the ClusterRole and its binding: cluster-scoped, so prefixed per platform. */
  readonly name: string;
  readonly labels: Record<string, string>;
  readonly rules: k8s.types.input.rbac.v1.PolicyRule[];
  readonly serviceAccount: { readonly name: string; readonly namespace: string };
}

/** A ClusterRole with exactly these rules, bound to one ServiceAccount. */
export function clusterGrant(g: ClusterGrant): Manifest[] {
  const metadata = { name: g.name, labels: g.labels };
  return [
    manifest(RBAC, "ClusterRole", { metadata, rules: g.rules }),
    manifest(RBAC, "ClusterRoleBinding", {
      metadata,
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: g.name },
      subjects: [{ kind: "ServiceAccount", ...g.serviceAccount }],
    }),
  ];
}
