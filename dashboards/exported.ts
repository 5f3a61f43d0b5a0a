import { collectDefaultMetrics, Registry } from "prom-client";
import {
  controllerMetrics,
  informerMetrics,
  kubeClientMetrics,
  leaderMetrics,
  reconcileOutcomes,
  workQueueMetrics,
} from "../operator/src/observe/metrics.js";
import { GATEWAY_CONTRACT, type MetricType, OPERATOR_CONTRACT } from "./contract.js";

/** What Prometheus stores for one exported family: a histogram adds _bucket, _sum and _count series. */
export interface ExportedMetric {
  readonly family: string;
  readonly type: MetricType | "summary";
}

/** Every family a component's own code registers: the operator's builders on a scratch registry, plus prom-client's process metrics. */
function registered(): ExportedMetric[] {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  controllerMetrics(registry, "lint", 1);
  workQueueMetrics(registry, "lint", () => ({ totalSeconds: 0, longestSeconds: 0 }));
  kubeClientMetrics(registry);
  informerMetrics(registry);
  reconcileOutcomes(registry);
  leaderMetrics(registry);
  const families = registry.getMetricsAsArray().map((m) => ({ family: m.name, type: String(m.type) as ExportedMetric["type"] }));
  registry.clear();
  return families;
}

/** The families a component registers, then the contract's names no code registers yet. */
export function exportedFamilies(): ExportedMetric[] {
  const families = registered();
  const known = new Set(families.map((f) => f.family));
  for (const m of [...GATEWAY_CONTRACT, ...OPERATOR_CONTRACT]) if (!known.has(m.name)) families.push({ family: m.name, type: m.type });
  return families;
}

/** Series names as PromQL sees them: a histogram's or summary's family expands to its suffixed series. */
export function seriesNames(families: readonly ExportedMetric[]): Set<string> {
  const names = new Set<string>();
  for (const { family, type } of families) {
    if (type === "histogram") for (const s of ["_bucket", "_sum", "_count"]) names.add(family + s);
    else if (type === "summary") for (const s of ["", "_sum", "_count"]) names.add(family + s);
    else names.add(family);
  }
  return names;
}
