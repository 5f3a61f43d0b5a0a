/*
 * PromQL for rollout analysis, against the metric contract the gateway exports (docs/telemetry.md,
 * the helpers' guide): inference series carry namespace, model, version and hardware_class;
 * device series carry node and hardware_class.
 */

export interface QueryScope {
  namespace: string;
  model: string;
  windowSeconds: number;
}

/** Sensor series whose largest value on a node is its power draw and its temperature. */
const DEVICE_METRICS = {
  power: "edgefleet_device_(gpu|rail|rapl|hwmon)_power_watts",
  temperature: "edgefleet_device_(thermal_zone|hwmon|gpu)_temperature_celsius",
} as const;
export type DeviceQuantity = keyof typeof DEVICE_METRICS;

/** A PromQL double-quoted string literal. */
export function promString(value: string): string {
  return `"${value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")}"`;
}

/** An RE2 pattern matching exactly one of the values. */
export function anyOf(values: readonly string[]): string {
  return values.map((v) => v.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|");
}

function modelMatchers({ namespace, model }: QueryScope, versions: readonly string[]): string {
  const version = versions.length === 1 ? `version=${promString(versions[0] ?? "")}` : `version=~${promString(anyOf(versions))}`;
  return `namespace=${promString(namespace)},model=${promString(model)},${version}`;
}

/** p95 inference latency over the window, per hardware class and version. */
export function latencyP95Query(scope: QueryScope, versions: readonly string[]): string {
  return `histogram_quantile(0.95, sum by (hardware_class, version, le) (rate(edgefleet_inference_latency_seconds_bucket{${modelMatchers(scope, versions)}}[${scope.windowSeconds}s])))`;
}

/** Requests or errors counted over the window, per hardware class and version. */
export function countQuery(metric: "requests" | "errors", scope: QueryScope, versions: readonly string[]): string {
  return `sum by (hardware_class, version) (increase(edgefleet_inference_${metric}_total{${modelMatchers(scope, versions)}}[${scope.windowSeconds}s]))`;
}

/**
 * The highest power or temperature reading over the window of any node that serves the version,
 * per hardware class. Nodes are picked by their own inference series, so the query needs no list
 * of node names however large the step. The per-node max comes first because sensors of
 * different names may share a node's labels, which range functions refuse.
 */
export function deviceMaxQuery(quantity: DeviceQuantity, scope: QueryScope, version: string): string {
  const perNode = `max by (node, hardware_class) ({__name__=~${promString(DEVICE_METRICS[quantity])}})`;
  const serving = `edgefleet_inference_requests_total{${modelMatchers(scope, [version])}}`;
  return `max by (hardware_class) (max_over_time(${perNode}[${scope.windowSeconds}s:]) and on (node) ${serving})`;
}

/**
 * Artifacts of the version the agents refused over the range, per hardware class, node and
 * reason. The gateway creates a node's counter at its first refusal, already above 0, and
 * increase() sees no rise in a series' first sample: a series that did not exist at the start of
 * the range counts with its whole value.
 */
export function artifactRefusalsQuery(scope: QueryScope, version: string, rangeSeconds: number): string {
  const failures = `edgefleet_artifact_verification_failures_total{${modelMatchers(scope, [version])}}`;
  const range = `${Math.max(1, Math.ceil(rangeSeconds))}s`;
  return `sum by (hardware_class, node, reason) ((${failures} unless ${failures} offset ${range}) or increase(${failures}[${range}]))`;
}
