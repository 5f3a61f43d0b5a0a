import * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";

export interface ClusterGrant {
  /** Name of the ClusterRole and its binding: cluster-scoped, so prefixed per platform. */
  readonly name: string;
  readonly labels: Record<string, string>;
  readonly rules: k8s.types.input.rbac.v1.PolicyRule[];
  readonly serviceAccount: { readonly name: pulumi.Input<string>; readonly namespace: pulumi.Input<string> };
}

/** A ClusterRole with exactly these rules, bound to one ServiceAccount. */
export function clusterGrant(resource: string, g: ClusterGrant, opts: pulumi.CustomResourceOptions): k8s.rbac.v1.ClusterRole {
  const metadata = { name: g.name, labels: g.labels };
  const role = new k8s.rbac.v1.ClusterRole(resource, { metadata, rules: g.rules }, opts);
  new k8s.rbac.v1.ClusterRoleBinding(
    resource,
    {
      metadata,
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: role.metadata.name },
      subjects: [{ kind: "ServiceAccount", ...g.serviceAccount }],
    },
    opts,
  );
  return role;
}
