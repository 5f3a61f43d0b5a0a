/**
 * edgefleet's alerting rules, in the Prometheus rule-file format. They read the metrics the
 * operator, gateway and agents promise to export (docs/pulumi.md, "Image contract").
 */
export interface AlertRule {
  readonly alert: string;
  readonly expr: string;
  readonly for: string;
  readonly labels: { readonly severity: "warning" | "critical" };
  readonly annotations: { readonly summary: string; readonly description: string };
}

export interface RuleGroup {
  readonly name: string;
  readonly rules: readonly AlertRule[];
}

const rule = (
  alert: string,
  expr: string,
  forDuration: string,
  severity: "warning" | "critical",
  summary: string,
  description: string,
): AlertRule => ({
  alert,
  expr,
  for: forDuration,
  labels: { severity },
  annotations: { summary, description },
});

export function ruleGroups(namespace: string): RuleGroup[] {
  const job = (name: string) => `job=~".*${name}.*",namespace="${namespace}"`;
  return [
    {
      name: "edgefleet-platform",
      rules: [
        rule(
          "EdgefleetOperatorDown",
          `absent(up{${job("edgefleet-operator")}} == 1)`,
          "5m",
          "critical",
          "The edgefleet operator is down",
          "No operator replica has been scraped for 5 minutes: EdgeModels are not reconciled.",
        ),
        rule(
          "EdgefleetOperatorBacklog",
          `sum(workqueue_depth{${job("edgefleet-operator")}}) > 100`,
          "10m",
          "warning",
          "The operator falls behind",
          "More than 100 keys have been waiting in the operator's work queues for 10 minutes.",
        ),
        rule(
          "EdgefleetTelemetryGatewayDown",
          `absent(up{${job("edgefleet-telemetry-gateway")}} == 1)`,
          "5m",
          "critical",
          "The telemetry gateway is down",
          "No node telemetry reaches Prometheus.",
        ),
      ],
    },
    {
      name: "edgefleet-nodes",
      rules: [
        rule(
          "EdgeNodeSilent",
          "time() - edgefleet_node_last_seen_timestamp_seconds > 300",
          "5m",
          "warning",
          "Edge node {{ $labels.node }} stopped reporting",
          "The gateway has had no telemetry from {{ $labels.node }} for over 5 minutes.",
        ),
        rule(
          "EdgeNodeHot",
          "max by (node) (edgefleet_node_temperature_celsius) > 85",
          "10m",
          "warning",
          "Edge node {{ $labels.node }} runs hot",
          "{{ $labels.node }} has been above 85 °C for 10 minutes; it will throttle its accelerator.",
        ),
        rule(
          "EdgeModelSlow",
          "histogram_quantile(0.95, sum by (node, model, le) (rate(edgefleet_inference_latency_seconds_bucket[5m]))) > 0.5",
          "10m",
          "warning",
          "{{ $labels.model }} is slow on {{ $labels.node }}",
          "p95 inference latency of {{ $labels.model }} on {{ $labels.node }} has been above 500 ms for 10 minutes.",
        ),
      ],
    },
  ];
}
