import type { BoardSpec } from "./grafana.js";
import { CLASS_MODEL, INFERENCE, RATE } from "./selectors.js";

const percentile = (q: string) => ({
  title: `Latency p${q} by version and class`,
  description: `p${q} of successful inferences per model version and hardware class (recording rule, 5m rate).`,
  unit: "s",
  targets: [
    {
      expr: `model_version_class:edgefleet_inference_latency_seconds:p${q}_rate5m{${CLASS_MODEL}}`,
      legend: "{{model}} {{version}} {{hardware_class}}",
    },
  ],
});

export const rollout: BoardSpec = {
  uid: "edgefleet-rollout",
  title: "edgefleet / Model rollout",
  description: "Per-version and per-class latency, errors and traffic; rollout step, phase and decisions.",
  variables: ["site", "hardware_class", "node", "model", "version"],
  rows: [
    {
      title: "Latency",
      panels: [
        percentile("50"),
        percentile("95"),
        percentile("99"),
        {
          title: "Latency p95 by node",
          description: "p95 per node for the selected models and versions: one slow device stands out here.",
          unit: "s",
          targets: [
            {
              expr: `histogram_quantile(0.95, sum by (node, version, le) (rate(edgefleet_inference_latency_seconds_bucket{${INFERENCE}}[${RATE}])))`,
              legend: "{{node}} {{version}}",
            },
          ],
        },
        {
          title: "Latency distribution",
          description: "Successful inferences per latency bucket.",
          type: "heatmap",
          width: 24,
          targets: [
            { expr: `sum by (le) (increase(edgefleet_inference_latency_seconds_bucket{${INFERENCE}}[${RATE}]))`, legend: "{{le}}" },
          ],
        },
      ],
    },
    {
      title: "Traffic and errors",
      panels: [
        {
          title: "Requests per second by version and class",
          description: "Traffic share of each version: the rollout's step in requests.",
          unit: "reqps",
          stack: true,
          targets: [
            {
              expr: `model_version_class:edgefleet_inference_requests:rate5m{${CLASS_MODEL}}`,
              legend: "{{model}} {{version}} {{hardware_class}}",
            },
          ],
        },
        {
          title: "Error ratio by version and class",
          description: "Failed inferences over all inferences (recording rule, 5m rate).",
          unit: "percentunit",
          targets: [
            {
              expr: `model_version_class:edgefleet_inference_errors:ratio_rate5m{${CLASS_MODEL}}`,
              legend: "{{model}} {{version}} {{hardware_class}}",
            },
          ],
        },
        {
          title: "Requests per second by runtime and variant",
          description: "Which runtime and model variant serve the traffic; onnx on an accelerated class can mean a CPU fallback.",
          unit: "reqps",
          stack: true,
          targets: [
            {
              expr: `sum by (version, runtime, variant) (rate(edgefleet_inference_requests_total{${INFERENCE}}[${RATE}]))`,
              legend: "{{version}} {{runtime}} {{variant}}",
            },
          ],
        },
        {
          title: "Latency SLO misses (1h)",
          description: "Share of inferences over 100 ms in the last hour; the objective allows 1%.",
          unit: "percentunit",
          targets: [
            { expr: 'model:edgefleet_inference_latency_slo_misses:ratio_rate1h{model=~"$model"}', legend: "{{namespace}}/{{model}}" },
          ],
        },
      ],
    },
    {
      title: "Rollout",
      panels: [
        {
          title: "Rollout step",
          description: "Percent of the fleet the rollout has moved to the new version.",
          unit: "percent",
          targets: [{ expr: 'edgefleet_rollout_step{model=~"$model"}', legend: "{{namespace}}/{{model}}" }],
        },
        {
          title: "Rollout phase",
          description: "The current phase of each rollout (1 = current).",
          targets: [
            { expr: 'max by (namespace, model, phase) (edgefleet_rollout_phase{model=~"$model"}) == 1', legend: "{{model}} {{phase}}" },
          ],
        },
        {
          title: "Rollout decisions per hour",
          description: "What the analysis decided: continue, promote, rollback, inconclusive.",
          stack: true,
          targets: [
            {
              expr: 'sum by (model, decision) (increase(edgefleet_rollout_decisions_total{model=~"$model"}[1h]))',
              legend: "{{model}} {{decision}}",
            },
          ],
        },
        {
          title: "Rollout analysis duration p95",
          description: "How long one analysis of the canary's metrics takes, across all rollouts.",
          unit: "s",
          targets: [
            {
              expr: `histogram_quantile(0.95, sum by (le) (rate(edgefleet_rollout_analysis_duration_seconds_bucket[${RATE}])))`,
              legend: "p95",
            },
          ],
        },
      ],
    },
  ],
};
