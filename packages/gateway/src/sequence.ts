/**
 * One node's telemetry sequence numbers as this gateway has seen them: a bitmap of the last
 * WINDOW numbers below the highest seen, so a QoS 1 redelivery or a spool replay is recognised
 * as a duplicate, and a jump forward tells how many numbers were skipped.
 *
 * Skipped numbers are not always lost: with a shared subscription the other gateways of the group
 * get them. The caller decides whether skips count as gaps (unshared subscription only; see
 * docs/telemetry.md). Counting at the jump is exact for one subscriber because MQTT keeps one
 * publisher's QoS 1 messages on a topic in order (MQTT 5, 4.6) and the agent replays its spool in
 * seq order, so a number skipped once does not arrive later (if it does, it is taken as "late").
 */

/** 32 bytes a node; far wider than any reordering one publisher's in-order stream can produce. */
export const WINDOW = 256;

export type Observation =
  /** Above every number seen before; `skipped` numbers lie between it and the previous highest. */
  | { readonly kind: "next"; readonly skipped: number }
  /** Seen before (within the window): not to be added again. */
  | { readonly kind: "duplicate" }
  /** Below the highest but not seen: another gateway's share, or one skipped earlier. */
  | { readonly kind: "late" }
  /**
   * Far below the highest: the agent's seq started over (its spool was deleted), or this is a
   * replay older than the window. Tracking restarts from it.
   */
  | { readonly kind: "restart" };

export class SequenceTracker {
  private readonly seen = new Uint32Array(WINDOW / 32);
  private highest = -1;

  observe(seq: number): Observation {
    if (this.highest < 0 || seq < this.highest - WINDOW * 4) {
      const first = this.highest < 0;
      this.seen.fill(0);
      this.highest = seq;
      this.mark(seq);
      return first ? { kind: "next", skipped: 0 } : { kind: "restart" };
    }
    if (seq > this.highest) {
      const skipped = seq - this.highest - 1;
      // Clear the slots the window slides over (all of them after a jump wider than the window).
      for (let s = this.highest + 1; s < seq && s <= this.highest + WINDOW; s++) this.unmark(s);
      this.highest = seq;
      this.mark(seq);
      return { kind: "next", skipped };
    }
    // Older than the window: cannot tell; such a replay is at least once, so take it as late.
    if (seq <= this.highest - WINDOW) return { kind: "late" };
    if (this.isMarked(seq)) return { kind: "duplicate" };
    this.mark(seq);
    return { kind: "late" };
  }

  private slot(seq: number): [number, number] {
    const bit = seq % WINDOW;
    return [bit >>> 5, 1 << (bit & 31)];
  }

  private mark(seq: number): void {
    const [i, m] = this.slot(seq);
    this.seen[i] = (this.seen[i] ?? 0) | m;
  }

  private unmark(seq: number): void {
    const [i, m] = this.slot(seq);
    this.seen[i] = (this.seen[i] ?? 0) & ~m;
  }

  private isMarked(seq: number): boolean {
    const [i, m] = this.slot(seq);
    return ((this.seen[i] ?? 0) & m) !== 0;
  }
}
