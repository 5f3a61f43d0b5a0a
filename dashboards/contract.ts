/*
 * Metric names the rules and dashboards read that no component's code registers yet. Everything
 * else comes from the components' own registry builders (dashboards/exported.ts), so this list
 * only ever shrinks: an entry goes once its component exports it.
 */

export type MetricType = "counter" | "gauge" | "histogram";

export interface PendingMetric {
  readonly name: string;
  readonly type: MetricType;
  readonly labels: readonly string[];
  /** What the component must export, for whoever implements it. */
  readonly meaning: string;
}

export const PENDING_METRICS: readonly PendingMetric[] = [
  {
    name: "edgefleet_placement_cpu_fallback",
    type: "gauge",
    labels: ["namespace", "model", "hardware_class"],
    meaning:
      "Operator, one series per placed hardware class of each EdgeModel: 1 while the planner runs the model on the class's CPU " +
      "although the class has an accelerator the model's acceleratorPreference lists ahead of the CPU (placement status " +
      'accelerator "cpu" with better options passed over), else 0. Read by the EdgefleetCPUFallbackActive alert.',
  },
];
