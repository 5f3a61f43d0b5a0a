import { adoptCluster, servesPrometheusRules } from "./cluster/existing.js";
import { loadConfig, runError } from "./config/load.js";
import { Platform } from "./platform/platform.js";

/**
 * The edgefleet Pulumi program (Pulumi.yaml at the repository root runs it through stacks/main.mjs):
 * validate the stack's configuration, get a cluster (adopt one, or install K3s on the site's hosts),
 * deploy the platform onto it. Returns the stack outputs.
 */
export default async function program(): Promise<Record<string, unknown>> {
  const config = loadConfig();
  if (config.cluster.kind !== "existing") throw runError("K3s sites are not wired yet");
  const provider = adoptCluster(config.cluster);
  const { rulesAs, dashboards } = config.platform.monitoring;
  const resolvedRulesAs = rulesAs !== "auto" ? rulesAs : (await servesPrometheusRules(config.cluster)) ? "PrometheusRule" : "ConfigMap";
  const platform = new Platform(
    "edgefleet",
    { ...config.platform, monitoring: { rulesAs: resolvedRulesAs, dashboards } },
    { providers: [provider] },
  );
  return {
    namespace: platform.namespace,
    crds: platform.api.crds.map((c) => c.metadata.name),
    runtimes: platform.api.runtimes.map((r) => r.metadata.name),
    rulesAs: resolvedRulesAs,
  };
}
