import { METRIC_UNITS, type Metric } from "./metrics.js";
import type { Sample } from "./schema.js";

/** A sample in its metric's base unit; the unit comes from the metric so the two cannot disagree. */
export function sample(metric: Metric, value: number, labels: Record<string, string>): Sample {
  return { metric, unit: METRIC_UNITS[metric], value, labels };
}
