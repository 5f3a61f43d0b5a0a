import { homedir } from "node:os";
import { join } from "node:path";
import { ApiextensionsV1Api, KubeConfig } from "@kubernetes/client-node";
import * as k8s from "@pulumi/kubernetes";
import { runError } from "../config/load.js";
import type { ExistingCluster } from "../config/types.js";

/**
 * The kubeconfig path of the stack config as a shell would expand it: `~/` and `$NAME` or `${NAME}`
 * (the local stack names the local platform's state dir, which tools/edgefleet exports). A
 * variable that is not set is an error naming it, not a path that silently points elsewhere.
 */
export function expandPath(path: string, env: NodeJS.ProcessEnv = process.env): string {
  const home = path === "~" || path.startsWith("~/") ? join(homedir(), path.slice(1)) : path;
  return home.replace(/\$(?:\{(\w+)\}|(\w+))/g, (_, braced: string | undefined, bare: string | undefined) => {
    const name = braced ?? bare ?? "";
    const value = env[name];
    if (value === undefined || value === "")
      throw runError(
        `edgefleet:cluster.kubeconfig (${path}) names $${name}, which is not set: set it, run pulumi through tools/edgefleet pulumi (which sets EDGEFLEET_STATE_DIR), or give the path itself`,
      );
    return value;
  });
}

/**
 * A provider for a cluster that already runs (the local platform, or any Kubernetes). It gets the
 * kubeconfig's path, not its content: the path stays stable when certificates rotate, and no
 * credential is copied into the Pulumi state.
 */
export function adoptCluster(cluster: ExistingCluster): k8s.Provider {
  return new k8s.Provider("cluster", {
    ...(cluster.kubeconfig ? { kubeconfig: expandPath(cluster.kubeconfig) } : {}),
    ...(cluster.context ? { context: cluster.context } : {}),
  });
}

const PROMETHEUS_RULES_CRD = "prometheusrules.monitoring.coreos.com";

/** Whether the adopted cluster runs the Prometheus Operator (serves PrometheusRule). */
export async function servesPrometheusRules(cluster: ExistingCluster): Promise<boolean> {
  const kc = new KubeConfig();
  if (cluster.kubeconfig) kc.loadFromFile(expandPath(cluster.kubeconfig));
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
