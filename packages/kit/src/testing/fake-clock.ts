import type { Clock } from "../clock.js";

interface Scheduled {
  at: number;
  /** Order among timers due at the same time: the one set first fires first. */
  seq: number;
  fn: () => void;
  /** Set for an interval: it is due again this long after each firing. */
  everyMs?: number;
}

/**
 * A Clock that moves only when told to, firing due timers and intervals in time order; for
 * deterministic tests. Its wall clock starts at wallMs (default the Unix epoch) and moves with it.
 */
export class FakeClock implements Clock {
  #now = 0;
  #seq = 0;
  readonly #wallStart: number;
  readonly #timers = new Map<number, Scheduled>();

  constructor({ wallMs = 0 }: { wallMs?: number } = {}) {
    this.#wallStart = wallMs;
  }

  now(): number {
    return this.#now;
  }

  wallMs(): number {
    return this.#wallStart + this.#now;
  }

  setTimer(fn: () => void, ms: number): () => void {
    return this.#schedule({ at: this.#now + Math.max(0, ms), seq: this.#seq++, fn });
  }

  setInterval(fn: () => void, ms: number): () => void {
    // At least 1 ms, as Node has it, so advance() always ends.
    const everyMs = Math.max(1, ms);
    return this.#schedule({ at: this.#now + everyMs, seq: this.#seq++, fn, everyMs });
  }

  /** Moves time forward by ms, firing every timer and interval that falls due on the way, including ones they set. */
  advance(ms: number): void {
    const end = this.#now + ms;
    for (;;) {
      const next = [...this.#timers.entries()].sort(([, a], [, b]) => a.at - b.at || a.seq - b.seq)[0];
      if (!next || next[1].at > end) break;
      const [id, due] = next;
      this.#now = due.at;
      if (due.everyMs === undefined) this.#timers.delete(id);
      else this.#timers.set(id, { ...due, at: due.at + due.everyMs, seq: this.#seq++ });
      due.fn();
    }
    this.#now = end;
  }

  /** Timers and intervals still to fire: not cancelled and, for a timer, not fired yet. */
  get pending(): number {
    return this.#timers.size;
  }

  /** How long until each pending timer and interval fires next, soonest first. */
  dueIn(): number[] {
    return [...this.#timers.values()].map((t) => t.at - this.#now).sort((a, b) => a - b);
  }

  #schedule(timer: Scheduled): () => void {
    const id = timer.seq;
    this.#timers.set(id, timer);
    return () => this.#timers.delete(id);
  }
}
