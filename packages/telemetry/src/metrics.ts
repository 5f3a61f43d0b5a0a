/**
 * Every metric an agent may publish, with the one base unit it is published in. Units are fixed
 * per metric so consumers never convert, and the list is closed so a typo in a sensor fails
 * validation instead of starting a new time series.
 */
export const METRIC_UNITS = {
  thermal_zone_temperature_celsius: "celsius",
  cooling_device_state_ratio: "ratio",
  hwmon_temperature_celsius: "celsius",
  hwmon_power_watts: "watts",
  rapl_energy_joules: "joules",
  rapl_power_watts: "watts",
  rail_power_watts: "watts",
  gpu_temperature_celsius: "celsius",
  gpu_power_watts: "watts",
  gpu_utilization_ratio: "ratio",
  gpu_memory_used_bytes: "bytes",
  throttled: "flag",
  cpu_utilization_ratio: "ratio",
  memory_total_bytes: "bytes",
  memory_available_bytes: "bytes",
} as const;

export type Metric = keyof typeof METRIC_UNITS;
export type Unit = (typeof METRIC_UNITS)[Metric];

export const METRICS = Object.keys(METRIC_UNITS) as Metric[];
export const UNITS = [...new Set(Object.values(METRIC_UNITS))] as Unit[];
