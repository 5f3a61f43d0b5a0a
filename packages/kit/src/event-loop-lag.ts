import { type Clock, systemClock } from "./clock.js";
import type { Flag } from "./flags.js";

export interface EventLoopLagOptions {
  /** Liveness fails while the loop lags more than this. */
  readonly maxLagMs: number;
  /** How often the loop is sampled; a sample is late by the loop's lag. */
  readonly intervalMs?: number;
  readonly clock?: Clock;
}

/**
 * How far behind the event loop runs, for /healthz: a timer every interval measures how late it
 * fired. A probe answered after a stall sees it even before that timer has run again, because
 * the time since the last sample counts too. A process whose loop lags this much cannot renew a
 * lease or answer its peers in time; restarting it is the remedy a liveness probe offers.
 */
export class EventLoopLag {
  readonly #maxLagMs: number;
  readonly #intervalMs: number;
  readonly #clock: Clock;
  #lastSample: number;
  #lastLagMs = 0;
  #cancel: (() => void) | undefined;

  constructor({ maxLagMs, intervalMs = 500, clock = systemClock }: EventLoopLagOptions) {
    this.#maxLagMs = maxLagMs;
    this.#intervalMs = intervalMs;
    this.#clock = clock;
    this.#lastSample = clock.now();
  }

  start(): this {
    this.#lastSample = this.#clock.now();
    this.#cancel ??= this.#clock.setInterval(() => this.#sample(), this.#intervalMs);
    return this;
  }

  stop(): void {
    this.#cancel?.();
    this.#cancel = undefined;
  }

  /** The lag now: the last sample's, or the stall under way since it when that is longer. */
  lagMs(): number {
    return Math.max(this.#lastLagMs, this.#clock.now() - this.#lastSample - this.#intervalMs);
  }

  /** A reason to fail liveness, or undefined while the loop keeps up. */
  problem(): string | undefined {
    const lag = this.lagMs();
    return lag > this.#maxLagMs ? `event loop lags ${Math.round(lag)} ms (most ${this.#maxLagMs} ms)` : undefined;
  }

  #sample(): void {
    const now = this.#clock.now();
    this.#lastLagMs = Math.max(0, now - this.#lastSample - this.#intervalMs);
    this.#lastSample = now;
  }
}

/** The flag every long-running program takes for its event-loop liveness check. */
export const MAX_EVENT_LOOP_LAG_FLAG = {
  type: "duration",
  default: "2s",
  help: "/healthz fails while the event loop lags more than this (the process is too busy or stuck to do its job)",
} as const satisfies Flag;
