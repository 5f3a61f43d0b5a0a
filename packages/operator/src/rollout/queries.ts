/*
 * PromQL for rollout analysis, against the metric contract the gateway exports (docs/telemetry.md,
 * the helpers' guide): inference series carry namespace, model, version, hardware_class and node;
 * device series carry node and hardware_class. The gateway's node label is the publishing node's
 * certificate identity, but a node may report any model and version: every query keeps only the
 * series of nodes the operator placed that version on (its edgefleet_rollout_assignment), so a
 * node that was not given the canary can neither fail it nor pass it.
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

/**
 * Keeps the series of `expr` from nodes the operator placed their version on. A set operation,
 * not a join, so duplicate assignment series (two operator replicas scraped at once) cannot
 * make the query fail as a many-to-many match would.
 */
function onPlacedNodes(expr: string, scope: QueryScope, versions: readonly string[]): string {
  return `${expr} and on (namespace, model, version, node) edgefleet_rollout_assignment{${modelMatchers(scope, versions)}}`;
}

/** How many nodes Prometheus knows the operator placed the version on (no series: none, or no scrape of the operator). */
export function placedNodesQuery(scope: QueryScope, version: string): string {
  return `count(edgefleet_rollout_assignment{${modelMatchers(scope, [version])}})`;
}

/** An inference latency quantile (0.95: p95) over the window, per hardware class and version, on the nodes placed on it. */
export function latencyQuantileQuery(quantile: number, scope: QueryScope, versions: readonly string[]): string {
  const rate = `rate(edgefleet_inference_latency_seconds_bucket{${modelMatchers(scope, versions)}}[${scope.windowSeconds}s])`;
  return `histogram_quantile(${quantile}, sum by (hardware_class, version, le) (${onPlacedNodes(rate, scope, versions)}))`;
}

/** Requests or errors counted over the window, per hardware class and version, on the nodes placed on it. */
export function countQuery(metric: "requests" | "errors", scope: QueryScope, versions: readonly string[]): string {
  const increase = `increase(edgefleet_inference_${metric}_total{${modelMatchers(scope, versions)}}[${scope.windowSeconds}s])`;
  return `sum by (hardware_class, version) (${onPlacedNodes(increase, scope, versions)})`;
}

/**
 * Evaluations the version's runtimes scored, or answered right, over the range (the whole step:
 * a model's accuracy does not drift within one, and its evidence should add up), per hardware
 * class and variant, on the nodes placed on it: only runtimes that score a labelled evaluation set
 * export these counters.
 */
export function evaluationsQuery(
  metric: "evaluations" | "evaluations_correct",
  scope: QueryScope,
  version: string,
  rangeSeconds: number,
): string {
  const counted = riseOver(`edgefleet_inference_${metric}_total{${modelMatchers(scope, [version])}}`, rangeSeconds);
  return `sum by (hardware_class, variant) (${onPlacedNodes(counted, scope, [version])})`;
}

/**
 * A counter's rise over the range. The gateway creates a node's counter at its first report,
 * already above 0, and increase() sees no rise in a series' first sample: a series that did not
 * exist at the start of the range counts with its whole value.
 */
function riseOver(series: string, rangeSeconds: number): string {
  const range = `${Math.max(1, Math.ceil(rangeSeconds))}s`;
  return `((${series} unless ${series} offset ${range}) or increase(${series}[${range}]))`;
}

/**
 * The highest power or temperature reading over the window of any node the operator placed the
 * version on, per hardware class. Nodes are picked by their assignment series, so the query needs
 * no list of node names however large the step. The per-node max comes first because sensors of
 * different names may share a node's labels, which range functions refuse.
 */
export function deviceMaxQuery(quantity: DeviceQuantity, scope: QueryScope, version: string): string {
  const perNode = `max by (node, hardware_class) ({__name__=~${promString(DEVICE_METRICS[quantity])}})`;
  const placed = `edgefleet_rollout_assignment{${modelMatchers(scope, [version])}}`;
  return `max by (hardware_class) (max_over_time(${perNode}[${scope.windowSeconds}s:]) and on (node) ${placed})`;
}

/** Artifacts of the version refused over the range by the nodes placed on it, per hardware class, node and reason. */
export function artifactRefusalsQuery(scope: QueryScope, version: string, rangeSeconds: number): string {
  const refused = riseOver(`edgefleet_artifact_verification_failures_total{${modelMatchers(scope, [version])}}`, rangeSeconds);
  return `sum by (hardware_class, node, reason) (${onPlacedNodes(refused, scope, [version])})`;
}
