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

export const PENDING_METRICS: readonly PendingMetric[] = [];
