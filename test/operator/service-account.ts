import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { operatorManifests } from "@edgefleet/stacks";
import type { CoreV1Api, KubeConfig } from "@kubernetes/client-node";
import { stringify } from "yaml";
import { freshNamespace } from "../helpers/kube.js";
import { apply } from "./install.js";
import { rawRequest } from "./raw-api.js";

/** The RBAC kinds of the operator's manifests, and where each is applied. */
const PATHS: Readonly<Record<string, (namespace: string, name: string) => string>> = {
  ServiceAccount: (ns, name) => `/api/v1/namespaces/${ns}/serviceaccounts/${name}`,
  Lease: (ns, name) => `/apis/coordination.k8s.io/v1/namespaces/${ns}/leases/${name}`,
  Role: (ns, name) => `/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/roles/${name}`,
  RoleBinding: (ns, name) => `/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/rolebindings/${name}`,
  ClusterRole: (_, name) => `/apis/rbac.authorization.k8s.io/v1/clusterroles/${name}`,
  ClusterRoleBinding: (_, name) => `/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/${name}`,
};

export interface OperatorIdentity {
  /** A kubeconfig of the operator's ServiceAccount: a token, the cluster's server and CA. */
  readonly kubeconfig: string;
  /** Deletes the cluster-scoped grant now (it goes with the namespace anyway). */
  remove(): Promise<void>;
}

/** A fresh namespace for a suite's operators, and the kubeconfig of their ServiceAccount in it. */
export async function operatorNamespace(kc: KubeConfig, core: CoreV1Api, prefix: string): Promise<{ ns: string; kubeconfig: string }> {
  const ns = await freshNamespace(core, prefix);
  return { ns, kubeconfig: (await operatorIdentity(kc, ns)).kubeconfig };
}

/**
 * The operator's own ServiceAccount in namespace, bound to exactly the RBAC the platform deploys
 * (the Pulumi program's and the chart's operatorManifests: its ClusterRole, the Lease and the Role
 * on it), with a kubeconfig of a token of it: an operator run with it is refused what the deployed
 * one would be (a build's Job applied without `create` on jobs was), where an admin kubeconfig hides it.
 */
export async function operatorIdentity(kc: KubeConfig, namespace: string): Promise<OperatorIdentity> {
  const manifests = operatorManifests({
    namespace,
    image: "unused",
    agentImage: "unused",
    buildImage: "unused",
    replicas: 1,
    logLevel: "info",
    clusterPrefix: `test-${namespace}`,
  }).filter((m) => PATHS[m.object.kind] !== undefined);
  // The cluster-scoped grant is owned by the namespace: the garbage collector deletes it with the
  // namespace, so suites that delete theirs leave no ClusterRole behind.
  const owner = await rawRequest(kc, { method: "GET", path: `/api/v1/namespaces/${namespace}` });
  const uid = (owner.body.metadata as { uid?: string } | undefined)?.uid;
  if (!uid) throw new Error(`namespace ${namespace}: ${owner.status} ${owner.body.message}`);
  const ownerReferences = [{ apiVersion: "v1", kind: "Namespace", name: namespace, uid }];
  const applied: string[] = [];
  for (const { object } of manifests) {
    const path = PATHS[object.kind]?.(namespace, object.metadata.name) ?? "";
    const body = object.kind.startsWith("Cluster") ? { ...object, metadata: { ...object.metadata, ownerReferences } } : object;
    await apply(kc, path, body, `the operator's ${object.kind} ${object.metadata.name}`);
    if (object.kind.startsWith("Cluster")) applied.push(path);
  }
  const account = manifests.find((m) => m.object.kind === "ServiceAccount")?.object.metadata.name;
  const token = await rawRequest(kc, {
    method: "POST",
    path: `/api/v1/namespaces/${namespace}/serviceaccounts/${account}/token`,
    body: { apiVersion: "authentication.k8s.io/v1", kind: "TokenRequest", spec: { expirationSeconds: 4 * 3600 } },
  });
  if (token.status >= 300) throw new Error(`a token of ${namespace}/${account}: ${token.status} ${token.body.message}`);
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error("the test kubeconfig has no current cluster");
  const file = join(mkdtempSync(join(tmpdir(), "edgefleet-operator-sa-")), "kubeconfig.yaml");
  writeFileSync(
    file,
    stringify({
      apiVersion: "v1",
      kind: "Config",
      clusters: [{ name: "test", cluster: { server: cluster.server, "certificate-authority-data": caData(kc) } }],
      users: [{ name: "operator", user: { token: (token.body.status as unknown as { token: string }).token } }],
      contexts: [{ name: "operator", context: { cluster: "test", user: "operator", namespace } }],
      "current-context": "operator",
    }),
  );
  return {
    kubeconfig: file,
    remove: async () => {
      for (const path of applied) await rawRequest(kc, { method: "DELETE", path });
    },
  };
}

/** The cluster's CA as base64 PEM, from the test kubeconfig's data or file. */
function caData(kc: KubeConfig): string {
  const cluster = kc.getCurrentCluster();
  if (cluster?.caData) return cluster.caData;
  if (cluster?.caFile) return readFileSync(cluster.caFile).toString("base64");
  throw new Error("the test kubeconfig's cluster has no CA");
}
