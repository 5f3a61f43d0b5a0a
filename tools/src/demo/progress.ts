import type { EdgeModel } from "@edgefleet/api";
import type { Prometheus } from "../services/prometheus.js";

/** p95 inference latency per version, as Prometheus computes it from the devices' histograms. */
export type LatencyByVersion = ReadonlyMap<string, number>;

const ms = (seconds: number) => (Number.isFinite(seconds) ? `${(seconds * 1000).toFixed(1)}ms` : "-");

/**
 * One progress line of a rollout: phase, step, nodes on the new version per class, and the
 * latency each version measures on the devices right now.
 */
export function rolloutLine(model: EdgeModel, latency: LatencyByVersion): string {
  const r = model.status?.rollout;
  const versions = [...latency].map(([v, s]) => `${v} ${ms(s)}`).join(", ");
  const p95 = versions ? `  p95: ${versions}` : "";
  if (!r) return `${model.spec.version}: placing${p95}`;
  const classes = (r.classes ?? []).map((c) => `${c.hardwareClass} ${c.updated}/${c.nodes}`).join(" ");
  return `${r.targetVersion} ${r.phase} step ${r.step + 1}/${(model.spec.rollout?.steps ?? [1, 10, 100]).length} (${r.percent}%)  ${classes}${p95}`;
}

/** Whether a rollout of version has ended, and how. */
export function rolloutEnded(model: EdgeModel, version: string): "Promoted" | "RolledBack" | "Failed" | undefined {
  const r = model.status?.rollout;
  if (model.status?.observedGeneration !== model.metadata.generation || r?.targetVersion !== version) return undefined;
  return r.phase === "Promoted" || r.phase === "RolledBack" || r.phase === "Failed" ? r.phase : undefined;
}

/** p95 latency per version of one model over the last 30 s, from the devices' histograms in Prometheus. */
export async function modelLatency(prometheus: Prometheus, namespace: string, model: string): Promise<LatencyByVersion> {
  const rows = await prometheus
    .query(
      `histogram_quantile(0.95, sum by (version, le) (rate(edgefleet_inference_latency_seconds_bucket{namespace="${namespace}",model="${model}"}[30s])))`,
    )
    .catch(() => []);
  return new Map(rows.map((r) => [r.metric.version ?? "?", Number(r.value[1])] as const).sort());
}

export interface FollowOptions {
  readonly read: () => Promise<EdgeModel>;
  readonly latency: () => Promise<LatencyByVersion>;
  readonly say: (line: string) => void;
  readonly timeoutMs?: number;
}

/** Prints a line whenever the rollout of version moves; resolves with the model once it ended. */
export async function followRollout(version: string, o: FollowOptions): Promise<EdgeModel> {
  const timeoutMs = o.timeoutMs ?? 600_000;
  const deadline = Date.now() + timeoutMs;
  let last = "";
  for (;;) {
    const model = await o.read();
    // Until the operator has seen the new version, status still describes the previous rollout.
    if (model.status?.rollout?.targetVersion !== version) {
      await new Promise((r) => setTimeout(r, 500));
      continue;
    }
    const line = rolloutLine(model, await o.latency());
    const key = line.replace(/p95:.*/, "");
    if (key !== last) o.say(`  ${line}`);
    last = key;
    if (rolloutEnded(model, version)) return model;
    if (Date.now() > deadline) throw new Error(`rollout of ${version} did not end within ${timeoutMs / 1000}s; see the operator's log`);
    await new Promise((r) => setTimeout(r, 2_000));
  }
}
