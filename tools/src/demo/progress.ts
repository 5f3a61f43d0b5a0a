import type { EdgeModel } from "@edgefleet/api";

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
