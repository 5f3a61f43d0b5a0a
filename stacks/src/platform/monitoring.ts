import { readFileSync } from "node:fs";
import { dashboardFiles, ruleFiles } from "@edgefleet/dashboards";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { PlatformArgs } from "./args.js";
import { componentLabels } from "./pod.js";

export interface MonitoringArgs extends Pick<PlatformArgs["monitoring"], "rulesAs" | "dashboards"> {
  readonly namespace: string;
}

/**
 * The SRE kit under dashboards/, deployed as it is: the rule files as a PrometheusRule where the
 * Prometheus Operator runs, else as a ConfigMap with one key per rule file (for a Prometheus that
 * loads rule files); the Grafana dashboards as a ConfigMap for kube-prometheus-stack's sidecar.
 */
export class Monitoring extends pulumi.ComponentResource {
  constructor(name: string, args: MonitoringArgs, opts?: pulumi.ComponentResourceOptions) {
    super("edgefleet:platform:Monitoring", name, {}, opts);
    const parent = { parent: this };
    const labels = componentLabels("edgefleet-monitoring");
    const files = ruleFiles();
    const meta = { name: "edgefleet-rules", namespace: args.namespace, labels };
    if (args.rulesAs === "PrometheusRule") {
      new k8s.apiextensions.CustomResource(
        name,
        {
          apiVersion: "monitoring.coreos.com/v1",
          kind: "PrometheusRule",
          metadata: meta,
          spec: { groups: files.flatMap((f) => f.groups) },
        },
        parent,
      );
    } else {
      const data = Object.fromEntries(files.map((f) => [`edgefleet-${f.name}`, readFileSync(f.path, "utf8")]));
      new k8s.core.v1.ConfigMap(name, { metadata: meta, data }, parent);
    }
    if (args.dashboards) {
      new k8s.core.v1.ConfigMap(
        `${name}-dashboards`,
        {
          metadata: { name: "edgefleet-dashboards", namespace: args.namespace, labels: { ...labels, grafana_dashboard: "1" } },
          data: dashboardFiles(),
        },
        parent,
      );
    }
    this.registerOutputs({});
  }
}
