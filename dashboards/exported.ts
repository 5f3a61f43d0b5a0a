import { Fleet, gatewayMetrics } from "@edgefleet/gateway";
import { processMetrics } from "@edgefleet/kit";
import { operatorMetrics } from "@edgefleet/operator";
import { Registry } from "prom-client";
import { type MetricType, PENDING_METRICS } from "./contract.js";

/** What Prometheus stores for one exported family: a histogram adds _bucket, _sum and _count series. */
export interface ExportedMetric {
  readonly family: string;
  readonly type: MetricType | "summary";
}

/** The operator's families, registered as the operator registers them, on a scratch registry. */
function operatorFamilies(): ExportedMetric[] {
  const registry = new Registry();
  operatorMetrics(registry, { controller: "lint", workers: 1, inProgress: () => ({ totalSeconds: 0, longestSeconds: 0 }) });
  return fromRegistry(registry);
}

/** The telemetry gateway's families: its registry's, and the per-device families its Fleet renders itself. */
function gatewayFamilies(): ExportedMetric[] {
  const registry = new Registry();
  const fleet = new Fleet({ countSkippedAsGaps: true });
  processMetrics(registry);
  gatewayMetrics(registry, fleet);
  return [...fromRegistry(registry), ...[...fleet.allFamilies()].map((f) => ({ family: f.name, type: f.type }))];
}

function fromRegistry(registry: Registry): ExportedMetric[] {
  const families = registry.getMetricsAsArray().map((m) => ({ family: m.name, type: String(m.type) as ExportedMetric["type"] }));
  registry.clear();
  return families;
}

/** Every family the project's components register, then the names promised but not yet registered by code. */
export function exportedFamilies(): ExportedMetric[] {
  const families = new Map<string, ExportedMetric>();
  for (const f of [...operatorFamilies(), ...gatewayFamilies()]) families.set(f.family, f);
  for (const m of PENDING_METRICS) if (!families.has(m.name)) families.set(m.name, { family: m.name, type: m.type });
  return [...families.values()];
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
