// A rollout as its EdgeModel's status tells it, followed until it ends: `tools/edgefleet model publish --wait` and the demo.
import type { ClassMeasurement, EdgeModel } from "@edgefleet/api";
import { type Clock, systemClock } from "@edgefleet/kit";

/** p95 inference latency per version, as Prometheus computes it from the devices' histograms. */
export type LatencyByVersion = ReadonlyMap<string, number>;

const ms = (seconds: number) => (Number.isFinite(seconds) ? `${(seconds * 1000).toFixed(1)}ms` : "-");

/**
 * One progress line of a rollout: phase, step, nodes on the new version per class, and the
 * latency each version measures on the devices right now.
 */
export function rolloutLine(model: EdgeModel, latency: LatencyByVersion = new Map()): string {
  const r = model.status?.rollout;
  const versions = [...latency].map(([v, s]) => `${v} ${ms(s)}`).join(", ");
  const p95 = versions ? `  p95: ${versions}` : "";
  if (!r) return `${model.spec.version}: placing${p95}`;
  const classes = (r.classes ?? []).map((c) => `${c.hardwareClass} ${c.updated}/${c.nodes}`).join(" ");
  return `${r.targetVersion} ${r.phase} step ${r.step + 1}/${(model.spec.rollout?.steps ?? [1, 10, 100]).length} (${r.percent}%)  ${classes}${p95}`;
}

/** What one hardware class's devices measured (a rollout analysis's measured entry, or a build's status.fleet class), in words. */
export function measuredLine(c: ClassMeasurement & { variant?: string; runtime?: string; accuracyDropPoints?: number }): string {
  const at = (s: number | undefined) => (s === undefined ? "-" : `${(s * 1e3).toFixed(2)} ms`);
  const runs = c.variant ? ` ${c.variant}${c.runtime ? ` on ${c.runtime}` : ""}` : "";
  const d = c.accuracyDropPoints;
  const drop = d === undefined ? "" : ` (${Math.abs(d).toFixed(2)} pt ${d < 0 ? "above" : "below"} the source)`;
  const accuracy =
    c.accuracyPercent === undefined
      ? "no labelled samples scored"
      : `${c.accuracyPercent.toFixed(2)}% right on ${c.evaluations} labelled samples${drop}`;
  return `${c.hardwareClass}${runs}: p50 ${at(c.p50LatencySeconds)}, p95 ${at(c.p95LatencySeconds)} over ${c.requests} requests; ${accuracy}`;
}

/** Whether a rollout of version has ended, and how. */
export function rolloutEnded(model: EdgeModel, version: string): "Promoted" | "RolledBack" | "Failed" | undefined {
  const r = model.status?.rollout;
  if (model.status?.observedGeneration !== model.metadata.generation || r?.targetVersion !== version) return undefined;
  return r.phase === "Promoted" || r.phase === "RolledBack" || r.phase === "Failed" ? r.phase : undefined;
}

export interface FollowOptions {
  readonly read: () => Promise<EdgeModel>;
  /** Each version's latency right now, shown on each line (the demo's, from its Prometheus); none without it. */
  readonly latency?: () => Promise<LatencyByVersion>;
  readonly say: (line: string) => void;
  readonly timeoutMs?: number;
  /** Its deadline and polling pauses; systemClock unless a test gives another. */
  readonly clock?: Clock;
}

/** Prints a line whenever the rollout of version moves; resolves with the model once it ended. */
export async function followRollout(version: string, o: FollowOptions): Promise<EdgeModel> {
  const timeoutMs = o.timeoutMs ?? 600_000;
  const clock = o.clock ?? systemClock;
  const deadline = clock.now() + timeoutMs;
  let last = "";
  for (;;) {
    const model = await o.read();
    // Until the operator has seen the new version, status still describes the previous rollout.
    const started = model.status?.rollout?.targetVersion === version;
    if (started) {
      const line = rolloutLine(model, await o.latency?.());
      const key = line.replace(/p95:.*/, "");
      if (key !== last) o.say(`  ${line}`);
      last = key;
      if (rolloutEnded(model, version)) return model;
    }
    if (clock.now() > deadline)
      throw new Error(
        started
          ? `rollout of ${version} did not end within ${timeoutMs / 1000}s (it goes on: see the EdgeModel's status.rollout and the operator's log)`
          : `the rollout of ${version} did not start within ${timeoutMs / 1000}s: is the operator running? (see its log)`,
      );
    await new Promise<void>((r) => clock.setTimer(r, started ? 2_000 : 500, { keepAlive: true }));
  }
}
