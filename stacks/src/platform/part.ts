import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { type Manifest, WORKLOAD_KINDS } from "./manifest.js";

type ResourceClass = new (name: string, args: never, opts?: pulumi.CustomResourceOptions) => pulumi.CustomResource;

/** The typed resource for each built-in kind the platform uses; anything else is a CustomResource. */
const CLASSES: Readonly<Record<string, ResourceClass>> = {
  "v1/Namespace": k8s.core.v1.Namespace,
  "v1/ServiceAccount": k8s.core.v1.ServiceAccount,
  "v1/Service": k8s.core.v1.Service,
  "v1/ConfigMap": k8s.core.v1.ConfigMap,
  "apps/v1/Deployment": k8s.apps.v1.Deployment,
  "apps/v1/StatefulSet": k8s.apps.v1.StatefulSet,
  "apps/v1/DaemonSet": k8s.apps.v1.DaemonSet,
  "rbac.authorization.k8s.io/v1/ClusterRole": k8s.rbac.v1.ClusterRole,
  "rbac.authorization.k8s.io/v1/ClusterRoleBinding": k8s.rbac.v1.ClusterRoleBinding,
  "rbac.authorization.k8s.io/v1/Role": k8s.rbac.v1.Role,
  "rbac.authorization.k8s.io/v1/RoleBinding": k8s.rbac.v1.RoleBinding,
  "coordination.k8s.io/v1/Lease": k8s.coordination.v1.Lease,
  "policy/v1/PodDisruptionBudget": k8s.policy.v1.PodDisruptionBudget,
  "networking.k8s.io/v1/NetworkPolicy": k8s.networking.v1.NetworkPolicy,
  "apiextensions.k8s.io/v1/CustomResourceDefinition": k8s.apiextensions.v1.CustomResourceDefinition,
};

export interface Ordering {
  /** What every resource waits for (the namespace). */
  readonly after?: readonly pulumi.Resource[];
  /** What the workloads also wait for: the API the operator lists first, a Secret Pulumi issues. */
  readonly workloadsAfter?: readonly pulumi.Resource[];
}

/**
 * Registers the objects in order. A workload waits for everything before it (its ServiceAccount,
 * RBAC, ConfigMap, Lease); a custom resource for the CRDs before it, which the API server must
 * have established first.
 */
export function register(
  component: string,
  manifests: readonly Manifest[],
  parent: pulumi.Resource,
  order: Ordering = {},
): pulumi.CustomResource[] {
  const created: pulumi.CustomResource[] = [];
  const crds: pulumi.CustomResource[] = [];
  for (const m of manifests) {
    const { apiVersion, kind } = m.object;
    const name = m.resourceName ?? (m.suffix ? `${component}-${m.suffix}` : component);
    const first = WORKLOAD_KINDS.includes(kind)
      ? [...created, ...(order.workloadsAfter ?? [])]
      : CLASSES[`${apiVersion}/${kind}`]
        ? []
        : crds;
    const opts = { parent, dependsOn: [...(order.after ?? []), ...first] };
    const Class = CLASSES[`${apiVersion}/${kind}`];
    const resource = Class
      ? new Class(name, m.object as never, opts)
      : new k8s.apiextensions.CustomResource(name, m.object as k8s.apiextensions.CustomResourceArgs, opts);
    if (kind === "CustomResourceDefinition") crds.push(resource);
    created.push(resource);
  }
  return created;
}

/** A platform component (edgefleet:platform:Operator, ...): its objects under one parent. */
export class PlatformPart extends pulumi.ComponentResource {
  readonly resources: pulumi.CustomResource[];

  constructor(
    type: string,
    name: string,
    manifests: readonly Manifest[],
    opts: pulumi.ComponentResourceOptions & Ordering & { before?: ((parent: pulumi.Resource) => pulumi.Resource[]) | undefined } = {},
  ) {
    const { after, workloadsAfter, before, ...rest } = opts;
    super(type, name, {}, rest);
    // Pulumi-only resources of the part (a Secret it issues), which its workloads wait for.
    const extra = before?.(this) ?? [];
    this.resources = register(name, manifests, this, {
      after: after ?? [],
      workloadsAfter: [...(workloadsAfter ?? []), ...extra],
    });
    this.registerOutputs({});
  }
}
