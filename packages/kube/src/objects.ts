import type { V1ObjectMeta } from "@kubernetes/client-node";

/** What the operator needs of any object it caches. */
export interface KubeObject {
  metadata: V1ObjectMeta;
}

/** "namespace/name", or "name" for a cluster-scoped object: the key of caches and the work queue. */
export function objectKey(obj: KubeObject): string {
  const { namespace, name } = obj.metadata;
  if (!name) throw new Error("object without metadata.name");
  return namespace ? `${namespace}/${name}` : name;
}

export function splitKey(key: string): { namespace: string; name: string } {
  const slash = key.indexOf("/");
  if (slash < 0) throw new Error(`work queue key "${key}" is not namespace/name`);
  return { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
}

/** Where a kind of object lives in the API: collection paths, cluster-wide or in one namespace. */
export interface Resource {
  /** For metrics and logs, e.g. "edgemodels". */
  name: string;
  group: string;
  version: string;
  plural: string;
  namespaced: boolean;
}

function base(r: Resource): string {
  return r.group ? `/apis/${r.group}/${r.version}` : `/api/${r.version}`;
}

/** The collection path: in namespace when given (namespaced kinds only), else across the cluster. */
export function collectionPath(r: Resource, namespace?: string): string {
  return namespace && r.namespaced ? `${base(r)}/namespaces/${namespace}/${r.plural}` : `${base(r)}/${r.plural}`;
}

export function objectPath(r: Resource, name: string, namespace?: string): string {
  return `${collectionPath(r, namespace)}/${encodeURIComponent(name)}`;
}

/** A write's path with the field manager it is recorded under (managedFields), as the query the API server reads it from. */
export function managedBy(path: string, fieldManager: string): string {
  return `${path}?fieldManager=${encodeURIComponent(fieldManager)}`;
}

export const RESOURCES = {
  edgeModels: { name: "edgemodels", group: "edgefleet.io", version: "v1alpha1", plural: "edgemodels", namespaced: true },
  edgeRuntimes: { name: "edgeruntimes", group: "edgefleet.io", version: "v1alpha1", plural: "edgeruntimes", namespaced: false },
  modelTrustPolicies: {
    name: "modeltrustpolicies",
    group: "edgefleet.io",
    version: "v1alpha1",
    plural: "modeltrustpolicies",
    namespaced: false,
  },
  nodes: { name: "nodes", group: "", version: "v1", plural: "nodes", namespaced: false },
  namespaces: { name: "namespaces", group: "", version: "v1", plural: "namespaces", namespaced: false },
  pods: { name: "pods", group: "", version: "v1", plural: "pods", namespaced: true },
  daemonSets: { name: "daemonsets", group: "apps", version: "v1", plural: "daemonsets", namespaced: true },
  services: { name: "services", group: "", version: "v1", plural: "services", namespaced: true },
  secrets: { name: "secrets", group: "", version: "v1", plural: "secrets", namespaced: true },
  networkPolicies: { name: "networkpolicies", group: "networking.k8s.io", version: "v1", plural: "networkpolicies", namespaced: true },
  leases: { name: "leases", group: "coordination.k8s.io", version: "v1", plural: "leases", namespaced: true },
  events: { name: "events", group: "events.k8s.io", version: "v1", plural: "events", namespaced: true },
  /** The core API's view of Events, whose field selectors take involvedObject.kind and reason (the kubelet's BackOff). */
  coreEvents: { name: "events", group: "", version: "v1", plural: "events", namespaced: true },
} as const satisfies Record<string, Resource>;
