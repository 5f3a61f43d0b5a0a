import type { Clock } from "../clock.js";

/** A Clock that moves only when told to, firing due timers in time order; for deterministic tests. */
export class FakeClock implements Clock {
  #now = 0;
  #seq = 0;
  #timers = new Map<number, { at: number; fn: () => void }>();

  now(): number {
    return this.#now;
  }

  setTimer(fn: () => void, ms: number): () => void {
    const id = this.#seq++;
    this.#timers.set(id, { at: this.#now + Math.max(0, ms), fn });
    return () => this.#timers.delete(id);
  }

  /** Moves time forward by ms, firing every timer that falls due on the way, including ones they set. */
  advance(ms: number): void {
    const end = this.#now + ms;
    for (;;) {
      const next = [...this.#timers.entries()].sort(([ia, a], [ib, b]) => a.at - b.at || ia - ib)[0];
      if (!next || next[1].at > end) break;
      this.#timers.delete(next[0]);
      this.#now = next[1].at;
      next[1].fn();
    }
    this.#now = end;
  }

  /** Timers not yet fired. */
  get pending(): number {
    return this.#timers.size;
  }
}
