import { homedir } from "node:os";
import { join } from "node:path";
import { ApiextensionsV1Api, KubeConfig } from "@kubernetes/client-node";
import * as k8s from "@pulumi/kubernetes";
import { runError } from "../config/load.js";
import type { ExistingCluster } from "../config/types.js";

/** `~/x` → $HOME/x, as a shell would for the path in the stack config. */
export const expandHome = (path: string) => (path === "~" || path.startsWith("~/") ? join(homedir(), path.slice(1)) : path);

/**
 * A provider for a cluster that already runs (the local platform, or any Kubernetes). It gets the
 * kubeconfig's path, not its content: the path stays stable when certificates rotate, and no
 * credential is copied into the Pulumi state.
 */
export function adoptCluster(cluster: ExistingCluster): k8s.Provider {
  return new k8s.Provider("cluster", {
    ...(cluster.kubeconfig ? { kubeconfig: expandHome(cluster.kubeconfig) } : {}),
    ...(cluster.context ? { context: cluster.context } : {}),
  });
}

const PROMETHEUS_RULES_CRD = "prometheusrules.monitoring.coreos.com";

/** Whether the adopted cluster runs the Prometheus Operator (serves PrometheusRule). */
export async function servesPrometheusRules(cluster: ExistingCluster): Promise<boolean> {
  const kc = new KubeConfig();
  if (cluster.kubeconfig) kc.loadFromFile(expandHome(cluster.kubeconfig));
  else kc.loadFromDefault();
  if (cluster.context) kc.setCurrentContext(cluster.context);
  try {
    await kc.makeApiClient(ApiextensionsV1Api).readCustomResourceDefinition({ name: PROMETHEUS_RULES_CRD });
    return true;
  } catch (err) {
    if ((err as { code?: number }).code === 404) return false;
    throw runError(
      `edgefleet:monitoring.rulesAs is auto, but asking the cluster for ${PROMETHEUS_RULES_CRD} failed (${(err as Error).message}); ` +
        "check edgefleet:cluster.kubeconfig, or set edgefleet:monitoring.rulesAs to PrometheusRule or ConfigMap",
    );
  }
}
