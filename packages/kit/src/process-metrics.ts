import { collectDefaultMetrics, type Registry } from "prom-client";

/**
 * prom-client's process and Node.js metrics, less the three gauges it names with a counter's
 * _total suffix (promtool check metrics rejects them); the same counts stay, by type, in
 * nodejs_active_handles, nodejs_active_requests and nodejs_active_resources.
 */
export function processMetrics(registry: Registry): void {
  collectDefaultMetrics({ register: registry });
  for (const name of ["nodejs_active_handles_total", "nodejs_active_requests_total", "nodejs_active_resources_total"])
    registry.removeSingleMetric(name);
}
