import { type CertificateAuthority, certificateAuthority, DEFAULT_RENEWAL } from "@edgefleet/kit";
import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import { adoptCluster, servesPrometheusRules } from "./cluster/existing.js";
import { k3sCluster } from "./cluster/k3s.js";
import { loadConfig } from "./config/load.js";
import type { StackConfig } from "./config/types.js";
import { revokedGenerations } from "./pki/revocation.js";
import type { PlatformArgs } from "./platform/args.js";
import { Platform } from "./platform/platform.js";

/**
 * The edgefleet Pulumi program (Pulumi.yaml at the repository root runs it through stacks/main.mjs):
 * validate the stack's configuration, get a cluster (adopt one, or install K3s on the site's hosts),
 * deploy the platform onto it. Returns the stack outputs.
 */
export default async function program(): Promise<Record<string, unknown>> {
  const config = loadConfig();
  // Certificates of the validity window current now: the first `pulumi up` of a new window renews them.
  const renewal = {
    ...DEFAULT_RENEWAL,
    ...(config.mqttCertLifetimeDays ? { lifetimeDays: config.mqttCertLifetimeDays } : {}),
    now: new Date(),
  };
  const mqttCa = config.mqttPkiSeed ? certificateAuthority(config.mqttPkiSeed, undefined, renewal) : undefined;
  const cluster = await provision(config, mqttCa);
  // The CA revokes what it issued and no longer does; an adopted cluster's nodes get identities outside the stack.
  const revoked = config.cluster.kind === "k3s" ? revokedGenerations(config.cluster) : [];
  const platform = new Platform(
    "edgefleet",
    {
      ...config.platform,
      monitoring: { ...config.platform.monitoring, ...cluster.monitoring },
      ...(mqttCa
        ? { mqttCa, mqttRevocationList: mqttCa.revocationList(revoked), mqttCertificatesSince: mqttCa.window.notBefore.toISOString() }
        : {}),
      // Only the hosts the stack issued identities to may publish: a host removed from the config is cut off.
      ...(mqttCa && config.cluster.kind === "k3s" ? { mqttNodes: config.cluster.hosts.map((h) => h.name) } : {}),
    },
    { providers: [cluster.provider] },
  );
  return {
    namespace: platform.namespace,
    crds: platform.crds,
    runtimes: platform.runtimes,
    rulesAs: cluster.monitoring.rulesAs,
    ...(cluster.kubeconfig ? { kubeconfig: cluster.kubeconfig } : {}),
  };
}

interface Provisioned {
  readonly provider: k8s.Provider;
  readonly monitoring: Pick<PlatformArgs["monitoring"], "rulesAs" | "dashboards">;
  /** Secret; only for a cluster this stack created. */
  readonly kubeconfig?: pulumi.Output<string>;
}

async function provision(config: StackConfig, mqttCa: CertificateAuthority | undefined): Promise<Provisioned> {
  const { rulesAs, dashboards } = config.platform.monitoring;
  if (config.cluster.kind === "existing") {
    const found = rulesAs === "auto" ? ((await servesPrometheusRules(config.cluster)) ? "PrometheusRule" : "ConfigMap") : rulesAs;
    return { provider: adoptCluster(config.cluster), monitoring: { rulesAs: found, dashboards } };
  }
  // A K3s cluster this stack creates has no Prometheus Operator yet.
  const { provider, kubeconfig } = k3sCluster(config.cluster, mqttCa);
  return { provider, kubeconfig, monitoring: { rulesAs: rulesAs === "auto" ? "ConfigMap" : rulesAs, dashboards } };
}
