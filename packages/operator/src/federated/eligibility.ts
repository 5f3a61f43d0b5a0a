import { type FederatedTrainingSpec, LABELS } from "@edgefleet/api";
import { errorMessage } from "@edgefleet/kit";
import type { V1Node } from "@kubernetes/client-node";
import type { MetricsSource } from "../rollout/metrics-source.js";
import { promString } from "../rollout/queries.js";

/** A node's latest readings from the gateway's series, each absent when Prometheus has none. */
export interface NodeReadings {
  temperatureCelsius?: number;
  throttled?: boolean;
  /** Busy share of all CPUs, 0 to 1, averaged over the last 5 minutes. */
  cpuUtilization?: number;
  /** Falls of edgefleet_device_up to 0 in the last hour. */
  disconnects?: number;
}

/** Readings by node, or why there are none. */
export type Telemetry = { readings: ReadonlyMap<string, NodeReadings> } | { unavailable: string };

export interface Eligibility {
  /** Eligible nodes, by name. */
  eligible: string[];
  /** Nodes the labels select that the rules leave out now (being deleted, telemetry), by name, with why. */
  excluded: { node: string; reason: string }[];
  /** Nodes the labels do not select (hardware class, nodeSelector), by name, with why: listed after the others, as in a big cluster they are most nodes. */
  unmatched: { node: string; reason: string }[];
}

type Rules = NonNullable<FederatedTrainingSpec["eligibility"]>;

/** Whether the rules read telemetry at all: only then is Prometheus asked. */
export function needsTelemetry(rules: Rules | undefined): boolean {
  return Object.keys(telemetryQueries(rules)).length > 0;
}

/** Why a node's labels leave it out, or undefined. */
function labelReason(rules: Rules | undefined, labels: Readonly<Record<string, string>>): string | undefined {
  const cls = labels[LABELS.hardwareClass];
  if (rules?.hardwareClasses && !rules.hardwareClasses.includes(cls ?? ""))
    return `hardware class ${cls ?? "(none)"} is not in ${rules.hardwareClasses.join(", ")}`;
  for (const [key, value] of Object.entries(rules?.nodeSelector ?? {}))
    if (labels[key] !== value) return `label ${key} is ${labels[key] === undefined ? "unset" : `"${labels[key]}"`}, not "${value}"`;
  return undefined;
}

/**
 * Why a node's readings leave it out, or undefined. A node with no reading of a kind is not left
 * out for it: a device whose agent runs without sensors would otherwise never train.
 */
function telemetryReason(rules: Rules | undefined, r: NodeReadings | undefined): string | undefined {
  if (!r) return undefined;
  const max = rules?.maxTemperatureCelsius;
  if (max !== undefined && r.temperatureCelsius !== undefined && r.temperatureCelsius > max)
    return `temperature ${Math.round(r.temperatureCelsius * 10) / 10} °C is above ${max} °C`;
  if (rules?.excludeThrottled && r.throttled) return "throttling";
  const cpu = rules?.maxCpuUtilizationPercent;
  if (cpu !== undefined && r.cpuUtilization !== undefined && r.cpuUtilization * 100 > cpu)
    return `CPUs ${Math.round(r.cpuUtilization * 100)}% busy over 5 minutes, above ${cpu}%`;
  const disconnects = rules?.maxRecentDisconnects;
  if (disconnects !== undefined && r.disconnects !== undefined && r.disconnects > disconnects)
    return `${r.disconnects} disconnects in the last hour, more than ${disconnects}`;
  return undefined;
}

/**
 * Which nodes may train now: labels first (hardware class, node selector), then telemetry when
 * the rules ask for it and it is available; nodes being deleted never. Pure.
 */
export function eligibility(rules: Rules | undefined, nodes: readonly V1Node[], telemetry: Telemetry | undefined): Eligibility {
  const readings = telemetry && "readings" in telemetry ? telemetry.readings : undefined;
  const out: Eligibility = { eligible: [], excluded: [], unmatched: [] };
  for (const n of [...nodes].sort((a, b) => ((a.metadata?.name ?? "") < (b.metadata?.name ?? "") ? -1 : 1))) {
    const node = n.metadata?.name ?? "";
    const unmatched = labelReason(rules, n.metadata?.labels ?? {});
    const reason = n.metadata?.deletionTimestamp ? "being deleted" : telemetryReason(rules, readings?.get(node));
    if (unmatched) out.unmatched.push({ node, reason: unmatched });
    else if (reason) out.excluded.push({ node, reason });
    else out.eligible.push(node);
  }
  return out;
}

/** Sensor series whose largest value on a node is its temperature (as rollout analysis reads it). */
const TEMPERATURE = "edgefleet_device_(thermal_zone|hwmon|gpu)_temperature_celsius";

/** The instant queries for the readings the rules use, by what they read. */
export function telemetryQueries(rules: Rules | undefined): Partial<Record<keyof NodeReadings, string>> {
  return {
    ...(rules?.maxTemperatureCelsius !== undefined ? { temperatureCelsius: `max by (node) ({__name__=~${promString(TEMPERATURE)}})` } : {}),
    ...(rules?.excludeThrottled ? { throttled: "max by (node) (edgefleet_device_throttled)" } : {}),
    // An average, not the latest reading: one busy probe must not drop a device from a round.
    ...(rules?.maxCpuUtilizationPercent !== undefined
      ? { cpuUtilization: 'max by (node) (avg_over_time(edgefleet_device_cpu_utilization_ratio{cpu="all"}[5m]))' }
      : {}),
    // edgefleet_device_up is a gauge; resets() counts its decreases, i.e. its falls from 1 to 0.
    ...(rules?.maxRecentDisconnects !== undefined ? { disconnects: "max by (node) (resets(edgefleet_device_up[1h]))" } : {}),
  };
}

/** Reads the readings the rules use; any failure makes the telemetry unavailable, with why. */
export async function readTelemetry(source: MetricsSource | undefined, rules: Rules | undefined): Promise<Telemetry | undefined> {
  if (!needsTelemetry(rules)) return undefined;
  if (!source) return { unavailable: "the operator has no --prometheus-url" };
  const readings = new Map<string, NodeReadings>();
  try {
    for (const [kind, query] of Object.entries(telemetryQueries(rules)) as [keyof NodeReadings, string][]) {
      for (const { labels, value } of await source.instant(query)) {
        const node = labels.node;
        if (!node || !Number.isFinite(value)) continue;
        const r = readings.get(node) ?? {};
        if (kind === "throttled") r.throttled = value >= 1;
        else r[kind] = value;
        readings.set(node, r);
      }
    }
  } catch (err) {
    return { unavailable: errorMessage(err) };
  }
  return { readings };
}
