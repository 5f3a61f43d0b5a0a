import type { Tracer } from "@opentelemetry/api";
import { PrometheusSource } from "./prometheus.js";

/** One series of an instant query's answer. */
export interface Sample {
  labels: Record<string, string>;
  value: number;
}

/** Where analysis reads metrics from; any failure to answer rejects (and makes the analysis inconclusive). */
export interface MetricsSource {
  /** For status and logs, e.g. "prometheus at http://prometheus:9090". */
  readonly description: string;
  instant(query: string): Promise<Sample[]>;
}

export const METRICS_SOURCE_TYPES = ["prometheus"] as const;

export interface MetricsSourceConfig {
  type: string;
  url: string;
  /** Longest one query may take; a slower answer counts as no answer. */
  timeoutMs?: number;
  /** Where each query's span goes (default: the global tracer provider's). */
  tracer?: Tracer;
}

export function createMetricsSource(config: MetricsSourceConfig): MetricsSource {
  switch (config.type) {
    case "prometheus":
      return new PrometheusSource({
        url: config.url,
        timeoutMs: config.timeoutMs ?? 5000,
        ...(config.tracer ? { tracer: config.tracer } : {}),
      });
    default:
      throw new Error(`unknown metrics source type "${config.type}": use one of ${METRICS_SOURCE_TYPES.join(", ")}`);
  }
}
