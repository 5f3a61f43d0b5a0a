import { LATENCY_BUCKETS_SECONDS } from "@edgefleet/telemetry";
import { Counter, Histogram, type Registry } from "prom-client";

/**
 * How an infer request ended: success; client_error, the client's fault (4xx: malformed, another
 * model, too large, wrong method); unavailable, shed by the runtime (503: the model still loading);
 * error, the model or server failed (500). Only success and error say anything about the model: an
 * error ratio is error / (success + error), so junk sent to a runtime cannot fail its rollout.
 */
export const RESULTS = ["success", "client_error", "unavailable", "error"] as const;
export type Result = (typeof RESULTS)[number];

export interface InferenceMetrics {
  /** A successful inference and its duration, from the request's arrival to the response being written. */
  success(seconds: number): void;
  failure(result: Exclude<Result, "success">): void;
}

/** A model version's series in a runtime's registry. */
export interface ModelLabels {
  name: string;
  version: string;
}

/** The runtime's inference metric families: one set of series per model version it serves. */
export interface InferenceMetricFamilies {
  /** The model version's series, made at zero (a reader's first scrape is a baseline of zeros). */
  forModel(model: ModelLabels): InferenceMetrics;
  /** Drops an unloaded model version's series, so the label values stay the models loaded. */
  remove(model: ModelLabels): void;
}

/**
 * The runtime's own inference metrics, labelled by model version, so an edge agent can read real
 * traffic's latency in the same buckets its telemetry uses.
 */
export function inferenceMetricFamilies(registry: Registry): InferenceMetricFamilies {
  const histogram = new Histogram({
    name: "edgefleet_runtime_inference_duration_seconds",
    help: "Duration of successful infer requests, from arrival to response, in seconds.",
    labelNames: ["model", "version"],
    buckets: [...LATENCY_BUCKETS_SECONDS],
    registers: [registry],
  });
  const requests = new Counter({
    name: "edgefleet_runtime_inference_requests_total",
    help: "Infer requests to this runtime, labelled with the model version they were for, by result: success, client_error (4xx), unavailable (503, model loading), error (500, inference failed).",
    labelNames: ["model", "version", "result"],
    registers: [registry],
  });
  return {
    forModel({ name, version }) {
      const labels = { model: name, version };
      histogram.zero(labels);
      const duration = histogram.labels(labels);
      for (const result of RESULTS) requests.inc({ ...labels, result }, 0);
      const counters = Object.fromEntries(RESULTS.map((result) => [result, requests.labels({ ...labels, result })])) as Record<
        Result,
        ReturnType<typeof requests.labels>
      >;
      return {
        success(seconds) {
          duration.observe(seconds);
          counters.success.inc();
        },
        failure(result) {
          counters[result].inc();
        },
      };
    },
    remove({ name, version }) {
      histogram.remove({ model: name, version });
      for (const result of RESULTS) requests.remove({ model: name, version, result });
    },
  };
}

/** The metrics of a runtime serving one model version. */
export function inferenceMetrics(registry: Registry, model: ModelLabels): InferenceMetrics {
  return inferenceMetricFamilies(registry).forModel(model);
}
