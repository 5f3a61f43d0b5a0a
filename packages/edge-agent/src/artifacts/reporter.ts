import type { Logger } from "@edgefleet/kit";
import { type ArtifactFailures, MAX_INFERENCE_STATS } from "@edgefleet/telemetry";
import type { ArtifactRefusal } from "./refusal.js";

export interface RefusedArtifact {
  namespace: string;
  model: string;
  version: string;
}

/**
 * Refusals since the last telemetry message, as the deltas the telemetry payload carries, and one
 * structured log line per refusal with the full reason text (telemetry carries only the code).
 */
export class FailureReporter {
  private readonly pending = new Map<string, ArtifactFailures>();

  constructor(private readonly log: Logger) {}

  record(artifact: RefusedArtifact, refusal: ArtifactRefusal): void {
    const { namespace, model, version } = artifact;
    this.add({ namespace, model, version, reason: refusal.reason, count: 1 });
    this.log.warn("artifact refused", { namespace, model, version, reason: refusal.reason, detail: refusal.message });
  }

  /**
   * The counts to put in the next telemetry message, oldest first, and forgets them. At most `max`
   * (the schema's limit); the rest wait for the next message rather than being dropped.
   */
  take(max = MAX_INFERENCE_STATS): ArtifactFailures[] {
    const taken: ArtifactFailures[] = [];
    for (const [key, entry] of this.pending) {
      if (taken.length >= max) break;
      taken.push(entry);
      this.pending.delete(key);
    }
    return taken;
  }

  /** Puts counts back that could not be sent, adding to what arrived meanwhile. */
  restore(entries: readonly ArtifactFailures[]): void {
    for (const entry of entries) this.add(entry);
  }

  private add(delta: ArtifactFailures): void {
    const key = JSON.stringify([delta.namespace, delta.model, delta.version, delta.reason]);
    const entry = this.pending.get(key);
    if (entry) entry.count += delta.count;
    else this.pending.set(key, { ...delta });
  }
}
