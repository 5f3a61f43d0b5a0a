import type { AssignedEvaluation } from "@edgefleet/telemetry";

/** A model version served by a runtime on this node, as the agent measures and reports it. */
export interface InferenceTarget {
  /** The runtime's Open Inference Protocol v2 base URL, e.g. http://127.0.0.1:8080 */
  baseUrl: string;
  namespace: string;
  model: string;
  version: string;
  variant: string;
  /** The EdgeRuntime's name (onnx, tensorrt, ...). */
  runtime: string;
  /**
   * Whether the runtime exposes edgefleet's runtime metrics at baseUrl/metrics (the CPU runtime
   * does); then its counts of all traffic are reported instead of the probes' own.
   */
  runtimeMetrics?: boolean;
  /** The variant's labelled evaluation data: some of its samples replace the synthetic input each round, and are scored. */
  evaluation?: AssignedEvaluation;
  /** The version the runtime serves the model under, when not `version` (a model repository's); probed, while `version` is reported. */
  servedVersion?: string;
}

export function targetKey(t: InferenceTarget): string {
  return JSON.stringify([
    t.baseUrl,
    t.namespace,
    t.model,
    t.version,
    t.variant,
    t.runtime,
    t.runtimeMetrics === true,
    t.evaluation?.uri,
    t.evaluation?.sha256,
    t.servedVersion,
  ]);
}
