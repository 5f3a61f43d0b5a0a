/**
 * Grafana dashboards as JSON models, provisioned by kube-prometheus-stack's dashboard sidecar from
 * ConfigMaps labelled grafana_dashboard=1. Panels query the metrics of the image contract.
 */

interface Panel {
  readonly title: string;
  readonly expr: string;
  readonly legend: string;
  readonly unit: string;
}

// biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana's variable syntax (the dashboard's datasource picker).
const GRAFANA_DATASOURCE = "${datasource}";

function dashboard(uid: string, title: string, panels: readonly Panel[]): string {
  return JSON.stringify({
    uid,
    title,
    tags: ["edgefleet"],
    schemaVersion: 39,
    time: { from: "now-6h", to: "now" },
    refresh: "30s",
    templating: {
      list: [{ name: "datasource", type: "datasource", query: "prometheus" }],
    },
    panels: panels.map((p, i) => ({
      id: i + 1,
      type: "timeseries",
      title: p.title,
      datasource: { type: "prometheus", uid: GRAFANA_DATASOURCE },
      gridPos: { x: (i % 2) * 12, y: Math.floor(i / 2) * 8, w: 12, h: 8 },
      fieldConfig: { defaults: { unit: p.unit }, overrides: [] },
      targets: [{ refId: "A", expr: p.expr, legendFormat: p.legend }],
    })),
  });
}

/** File name (the key in the ConfigMap) to dashboard JSON. */
export function dashboards(): Record<string, string> {
  return {
    "edgefleet-fleet.json": dashboard("edgefleet-fleet", "edgefleet / Fleet", [
      {
        title: "Inference latency p95 by model",
        expr: "histogram_quantile(0.95, sum by (model, le) (rate(edgefleet_inference_latency_seconds_bucket[5m])))",
        legend: "{{model}}",
        unit: "s",
      },
      {
        title: "Inferences per second by hardware class",
        expr: "sum by (hardware_class) (rate(edgefleet_inferences_total[5m]))",
        legend: "{{hardware_class}}",
        unit: "ops",
      },
      { title: "Power by node", expr: "edgefleet_node_power_watts", legend: "{{node}}", unit: "watt" },
      { title: "Temperature by node", expr: "edgefleet_node_temperature_celsius", legend: "{{node}}", unit: "celsius" },
    ]),
    "edgefleet-operator.json": dashboard("edgefleet-operator", "edgefleet / Operator", [
      { title: "Work queue depth", expr: "sum by (name) (workqueue_depth)", legend: "{{name}}", unit: "short" },
      { title: "Reconciles per second", expr: "sum by (name) (rate(workqueue_adds_total[5m]))", legend: "{{name}}", unit: "ops" },
      {
        title: "Queue wait p99",
        expr: "histogram_quantile(0.99, sum by (name, le) (rate(workqueue_queue_duration_seconds_bucket[5m])))",
        legend: "{{name}}",
        unit: "s",
      },
      { title: "Retries per second", expr: "sum by (name) (rate(workqueue_retries_total[5m]))", legend: "{{name}}", unit: "ops" },
    ]),
  };
}
