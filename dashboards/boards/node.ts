import type { BoardSpec } from "./grafana.js";
import { DEVICE, RATE } from "./selectors.js";

export const node: BoardSpec = {
  uid: "edgefleet-node",
  title: "edgefleet / Node health",
  description: "Temperatures, throttling, power and energy, CPU and memory, spool backlog and drops of the selected devices.",
  variables: ["site", "hardware_class", "node", "model", "version"],
  rows: [
    {
      title: "Thermal",
      panels: [
        {
          title: "Hottest sensor per device",
          description: "The highest of thermal zone, hwmon and GPU temperatures; the over-temperature alert fires above 85 °C.",
          unit: "celsius",
          targets: [{ expr: `node:edgefleet_device_temperature_celsius:max{${DEVICE}}`, legend: "{{node}}" }],
        },
        {
          title: "Temperatures by sensor",
          description: "Every temperature the devices report, by thermal zone, hwmon chip and GPU.",
          unit: "celsius",
          targets: [
            { expr: `edgefleet_device_thermal_zone_temperature_celsius{${DEVICE}}`, legend: "{{node}} {{zone}}" },
            { expr: `edgefleet_device_hwmon_temperature_celsius{${DEVICE}}`, legend: "{{node}} hwmon" },
            { expr: `edgefleet_device_gpu_temperature_celsius{${DEVICE}}`, legend: "{{node}} gpu {{gpu}}" },
          ],
        },
        {
          title: "Throttling",
          description: "1 while a component is throttled.",
          targets: [{ expr: `max by (node, component) (edgefleet_device_throttled{${DEVICE}})`, legend: "{{node}} {{component}}" }],
        },
        {
          title: "Cooling devices",
          description: "Fan and cooling-device state, 0 (off) to 1 (full).",
          unit: "percentunit",
          targets: [{ expr: `edgefleet_device_cooling_device_state_ratio{${DEVICE}}`, legend: "{{node}}" }],
        },
      ],
    },
    {
      title: "Power and energy",
      panels: [
        {
          title: "Device power against budget",
          description: "Whole-device power (input rail, or RAPL plus GPU) and the fleet's per-device budget.",
          unit: "watt",
          targets: [
            { expr: `node:edgefleet_device_power_watts:sum{${DEVICE}}`, legend: "{{node}}" },
            { expr: "fleet:edgefleet_device_power_budget_watts:config", legend: "budget" },
          ],
        },
        {
          title: "Power by rail and domain",
          description: "Each power reading: INA3221 rails, RAPL domains, GPUs and hwmon power sensors.",
          unit: "watt",
          targets: [
            { expr: `edgefleet_device_rail_power_watts{${DEVICE}}`, legend: "{{node}} {{rail}}" },
            { expr: `edgefleet_device_rapl_power_watts{${DEVICE}}`, legend: "{{node}} rapl" },
            { expr: `edgefleet_device_gpu_power_watts{${DEVICE}}`, legend: "{{node}} gpu {{gpu}}" },
            { expr: `edgefleet_device_hwmon_power_watts{${DEVICE}}`, legend: "{{node}} hwmon" },
          ],
        },
        {
          title: "Energy per hour (RAPL)",
          description: "Joules the CPU packages used in the last hour.",
          unit: "joule",
          targets: [{ expr: `sum by (node) (increase(edgefleet_device_rapl_energy_joules_total{${DEVICE}}[1h]))`, legend: "{{node}}" }],
        },
        {
          title: "Energy per inference",
          description: "Device power over inferences served: joules per inference.",
          unit: "joule",
          targets: [
            {
              expr: `sum by (node) (node:edgefleet_device_power_watts:sum{${DEVICE}}) / sum by (node) (rate(edgefleet_inference_requests_total{${DEVICE}}[${RATE}]))`,
              legend: "{{node}}",
            },
          ],
        },
      ],
    },
    {
      title: "CPU, GPU and memory",
      panels: [
        {
          title: "Utilization",
          description: "CPU and GPU busy share.",
          unit: "percentunit",
          targets: [
            { expr: `avg by (node) (edgefleet_device_cpu_utilization_ratio{${DEVICE}})`, legend: "{{node}} cpu" },
            { expr: `edgefleet_device_gpu_utilization_ratio{${DEVICE}}`, legend: "{{node}} gpu {{gpu}}" },
          ],
        },
        {
          title: "Memory used",
          description: "Share of memory not available to new work.",
          unit: "percentunit",
          targets: [
            {
              expr: `1 - edgefleet_device_memory_available_bytes{${DEVICE}} / edgefleet_device_memory_total_bytes{${DEVICE}}`,
              legend: "{{node}}",
            },
          ],
        },
        {
          title: "Memory available",
          description: "Bytes available to new work, and GPU memory in use.",
          unit: "bytes",
          targets: [
            { expr: `edgefleet_device_memory_available_bytes{${DEVICE}}`, legend: "{{node}} available" },
            { expr: `edgefleet_device_gpu_memory_used_bytes{${DEVICE}}`, legend: "{{node}} gpu {{gpu}} used" },
          ],
        },
        {
          title: "Sensor read errors",
          description: "Sensor readings that failed per second; a sensor that keeps failing leaves its panels empty.",
          unit: "ops",
          targets: [{ expr: `sum by (node) (rate(edgefleet_device_sensor_read_errors_total{${DEVICE}}[${RATE}]))`, legend: "{{node}}" }],
        },
      ],
    },
    {
      title: "Spool and connectivity",
      panels: [
        {
          title: "Spool backlog",
          description: "Messages waiting in each agent's store-and-forward spool: non-zero while the broker is unreachable.",
          targets: [{ expr: `edgefleet_device_spool_pending_messages{${DEVICE}}`, legend: "{{node}}" }],
        },
        {
          title: "Spool size",
          description: "Bytes each spool holds on disk.",
          unit: "bytes",
          targets: [{ expr: `edgefleet_device_spool_bytes{${DEVICE}}`, legend: "{{node}}" }],
        },
        {
          title: "Spool drops",
          description: "Oldest messages the full spool dropped: lost telemetry.",
          targets: [
            { expr: `sum by (node) (increase(edgefleet_device_spool_dropped_messages_total{${DEVICE}}[${RATE}]))`, legend: "{{node}}" },
          ],
        },
        {
          title: "Time since last telemetry",
          description: "Age of each connected device's latest message.",
          unit: "s",
          targets: [{ expr: `time() - edgefleet_device_last_seen_timestamp_seconds{${DEVICE}}`, legend: "{{node}}" }],
        },
        {
          title: "Devices",
          description: "Inventory: architecture and agent version per device.",
          type: "table",
          width: 24,
          targets: [{ expr: `edgefleet_device_info{${DEVICE}}` }],
        },
      ],
    },
  ],
};
