import type { Clock } from "@edgefleet/kit";

/**
 * One leadership term's renew deadline: each renewal moves it to renewDeadline after the
 * renewal's write was sent, and a timer calls onPassed there once, whatever the lease requests in
 * flight are doing. A term that has passed its deadline is over: later renewals do not revive it.
 */
export class RenewDeadline {
  #at: number;
  #cancel: () => void = () => {};
  #fired = false;

  /** Starts a term whose first write was sent at sentAt (monotonic ms); see renewed. */
  constructor(
    private readonly clock: Clock,
    private readonly renewDeadlineMs: number,
    sentAt: number,
    private readonly onPassed: () => void,
  ) {
    this.#at = sentAt + renewDeadlineMs;
    this.#arm();
  }

  /** A renewal whose write was sent at sentAt succeeded; ignored once the deadline has passed. */
  renewed(sentAt: number): void {
    if (this.passed) return;
    this.#at = Math.max(this.#at, sentAt + this.renewDeadlineMs);
    this.#arm();
  }

  /**
   * Milliseconds left before the deadline (0 once it passed). Judged by the clock, not by the
   * timer, so it is right even when a busy event loop runs the timer late.
   */
  get leftMs(): number {
    return Math.max(0, this.#at - this.clock.now());
  }

  get passed(): boolean {
    return this.#fired || this.leftMs === 0;
  }

  /** No callback any more: leadership was handed back. */
  cancel(): void {
    this.#cancel();
  }

  #arm(): void {
    this.#cancel();
    this.#cancel = this.clock.setTimer(() => this.#fire(), this.#at - this.clock.now());
  }

  #fire(): void {
    if (this.#fired) return;
    this.#fired = true;
    this.onPassed();
  }
}
