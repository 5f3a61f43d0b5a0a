import { readFileSync } from "node:fs";
import { dashboardFiles, ruleFiles } from "@edgefleet/dashboards";
import type { PlatformArgs } from "./args.js";
import { type Manifest, manifest } from "./manifest.js";
import { componentLabels } from "./pod.js";

export interface MonitoringConfig extends Pick<PlatformArgs["monitoring"], "rulesAs" | "dashboards"> {
  readonly namespace: string;
}

/**
 * The SRE kit under dashboards/, deployed as it is: the rule files as a PrometheusRule where the
 * Prometheus Operator runs, else as a ConfigMap with one key per rule file (for a Prometheus that
 * loads rule files); the Grafana dashboards as a ConfigMap for kube-prometheus-stack's sidecar.
 */
export function monitoringManifests(a: MonitoringConfig): Manifest[] {
  const labels = componentLabels("edgefleet-monitoring");
  const files = ruleFiles();
  const metadata = { name: "edgefleet-rules", namespace: a.namespace, labels };
  const rules =
    a.rulesAs === "PrometheusRule"
      ? manifest("monitoring.coreos.com/v1", "PrometheusRule", { metadata, spec: { groups: files.flatMap((f) => f.groups) } })
      : manifest("v1", "ConfigMap", {
          metadata,
          data: Object.fromEntries(files.map((f) => [`edgefleet-${f.name}`, readFileSync(f.path, "utf8")])),
        });
  const dashboards = manifest(
    "v1",
    "ConfigMap",
    {
      metadata: { name: "edgefleet-dashboards", namespace: a.namespace, labels: { ...labels, grafana_dashboard: "1" } },
      data: dashboardFiles(),
    },
    "dashboards",
  );
  return a.dashboards ? [rules, dashboards] : [rules];
}
