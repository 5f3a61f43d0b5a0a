import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { stringify } from "yaml";
import { ruleGroups } from "./alerts.js";
import type { PlatformArgs } from "./args.js";
import { dashboards } from "./dashboards.js";
import { componentLabels } from "./pod.js";

export interface MonitoringArgs extends Pick<PlatformArgs["monitoring"], "rulesAs" | "dashboards"> {
  readonly namespace: string;
}

/**
 * Alerting rules, as a PrometheusRule where the Prometheus Operator runs and as a plain ConfigMap
 * (rules.yaml, for a Prometheus that loads rule files) elsewhere; Grafana dashboards as ConfigMaps
 * for kube-prometheus-stack's sidecar.
 */
export class Monitoring extends pulumi.ComponentResource {
  constructor(name: string, args: MonitoringArgs, opts?: pulumi.ComponentResourceOptions) {
    super("edgefleet:platform:Monitoring", name, {}, opts);
    const parent = { parent: this };
    const labels = componentLabels("edgefleet-monitoring");
    const groups = ruleGroups(args.namespace);
    const meta = { name: "edgefleet-rules", namespace: args.namespace, labels };
    if (args.rulesAs === "PrometheusRule") {
      new k8s.apiextensions.CustomResource(
        name,
        { apiVersion: "monitoring.coreos.com/v1", kind: "PrometheusRule", metadata: meta, spec: { groups } },
        parent,
      );
    } else {
      new k8s.core.v1.ConfigMap(name, { metadata: meta, data: { "edgefleet-rules.yaml": stringify({ groups }) } }, parent);
    }
    if (args.dashboards) {
      new k8s.core.v1.ConfigMap(
        `${name}-dashboards`,
        {
          metadata: { name: "edgefleet-dashboards", namespace: args.namespace, labels: { ...labels, grafana_dashboard: "1" } },
          data: dashboards(),
        },
        parent,
      );
    }
    this.registerOutputs({});
  }
}
