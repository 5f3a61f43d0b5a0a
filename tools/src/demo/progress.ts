import type { LatencyByVersion } from "../model-build/rollout-progress.js";
import type { Prometheus } from "../services/prometheus.js";

/** p95 latency per version of one model over the last 30 s, from the devices' histograms in Prometheus. */
export async function modelLatency(prometheus: Prometheus, namespace: string, model: string): Promise<LatencyByVersion> {
  const rows = await prometheus
    .query(
      `histogram_quantile(0.95, sum by (version, le) (rate(edgefleet_inference_latency_seconds_bucket{namespace="${namespace}",model="${model}"}[30s])))`,
    )
    .catch(() => []);
  return new Map(rows.map((r) => [r.metric.version ?? "?", Number(r.value[1])] as const).sort());
}
