import { METRIC_UNITS } from "../edge-agent/src/telemetry/metrics.js";

/*
 * Metric names the dashboards and rules may query that no component's code registers yet: the
 * gateway's (docs: the Prometheus metric contract in the project guide) and the operator's rollout
 * and placement families. Each entry moves to its component's own registry once that code exists;
 * dashboards/exported.ts prefers the registries and uses this list only for the rest.
 * TODO(coordinator): when operator/src/gateway/ has its metrics module, read the gateway's names
 * from its registry builder in dashboards/exported.ts and delete GATEWAY_CONTRACT.
 */

export type MetricType = "counter" | "gauge" | "histogram";

export interface ContractMetric {
  readonly name: string;
  readonly type: MetricType;
  /** Labels every series of the metric carries (sensor samples add their own on top). */
  readonly labels: readonly string[];
}

const DEVICE = ["site", "node", "hardware_class"] as const;
const INFERENCE = [...DEVICE, "namespace", "model", "version", "variant", "runtime"] as const;

/** One gateway series per agent sensor metric; the cumulative RAPL energy becomes a counter. */
function sensorMetrics(): ContractMetric[] {
  return Object.keys(METRIC_UNITS).map((metric) =>
    metric === "rapl_energy_joules"
      ? { name: "edgefleet_device_rapl_energy_joules_total", type: "counter", labels: DEVICE }
      : { name: `edgefleet_device_${metric}`, type: "gauge", labels: DEVICE },
  );
}

export const GATEWAY_CONTRACT: readonly ContractMetric[] = [
  { name: "edgefleet_device_up", type: "gauge", labels: DEVICE },
  { name: "edgefleet_device_last_seen_timestamp_seconds", type: "gauge", labels: DEVICE },
  { name: "edgefleet_device_info", type: "gauge", labels: [...DEVICE, "arch", "agent_version"] },
  ...sensorMetrics(),
  { name: "edgefleet_device_sensor_read_errors_total", type: "counter", labels: DEVICE },
  { name: "edgefleet_device_spool_pending_messages", type: "gauge", labels: DEVICE },
  { name: "edgefleet_device_spool_bytes", type: "gauge", labels: DEVICE },
  { name: "edgefleet_device_spool_dropped_messages_total", type: "counter", labels: DEVICE },
  { name: "edgefleet_inference_latency_seconds", type: "histogram", labels: INFERENCE },
  { name: "edgefleet_inference_requests_total", type: "counter", labels: INFERENCE },
  { name: "edgefleet_inference_errors_total", type: "counter", labels: INFERENCE },
  { name: "edgefleet_gateway_messages_total", type: "counter", labels: ["kind", "result"] },
  { name: "edgefleet_gateway_rejected_messages_total", type: "counter", labels: ["reason"] },
  { name: "edgefleet_gateway_sequence_gaps_total", type: "counter", labels: ["site", "node"] },
  { name: "edgefleet_gateway_devices", type: "gauge", labels: ["state"] },
  { name: "edgefleet_gateway_mqtt_connected", type: "gauge", labels: [] },
  { name: "edgefleet_gateway_series", type: "gauge", labels: [] },
  {
    name: "edgefleet_artifact_verification_failures_total",
    type: "counter",
    labels: [...DEVICE, "namespace", "model", "reason"],
  },
];

/**
 * The operator's rollout families (from the rollout issue) and one this kit defines:
 * edgefleet_placement_cpu_fallback is 1 while the planner runs a model on the CPU of a hardware
 * class that has an accelerator the model's acceleratorPreference lists ahead of the CPU (the
 * placement status's accelerator is "cpu" and passedOver is not empty), else 0; one series per
 * placed class. The EdgefleetCPUFallbackActive alert reads it.
 */
export const OPERATOR_CONTRACT: readonly ContractMetric[] = [
  { name: "edgefleet_rollout_phase", type: "gauge", labels: ["namespace", "model", "phase"] },
  { name: "edgefleet_rollout_step", type: "gauge", labels: ["namespace", "model"] },
  { name: "edgefleet_rollout_decisions_total", type: "counter", labels: ["namespace", "model", "decision"] },
  { name: "edgefleet_rollout_analysis_duration_seconds", type: "histogram", labels: [] },
  { name: "edgefleet_placement_cpu_fallback", type: "gauge", labels: ["namespace", "model", "hardware_class"] },
];
