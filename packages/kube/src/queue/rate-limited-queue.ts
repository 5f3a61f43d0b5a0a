import { systemClock } from "@edgefleet/kit";
import { defaultRateLimiter, type RateLimiter } from "./rate-limiters.js";
import { WorkQueue, type WorkQueueOptions } from "./work-queue.js";

export interface RateLimitedQueueOptions extends WorkQueueOptions {
  /** Defaults to controller-runtime's: per-key exponential backoff and a global token bucket. */
  rateLimiter?: RateLimiter;
}

/** A WorkQueue whose keys can also be added later: after a delay, or after their rate limiter's backoff. */
export class RateLimitedQueue extends WorkQueue {
  readonly #limiter: RateLimiter;
  /** Keys waiting for their delay, with when they are due. */
  readonly #waiting = new Map<string, { at: number; cancel: () => void }>();

  constructor(options: RateLimitedQueueOptions = {}) {
    super(options);
    this.#limiter = options.rateLimiter ?? defaultRateLimiter({ clock: options.clock ?? systemClock });
  }

  /** Adds key after ms milliseconds; a key already waiting keeps the earlier of its two due times. */
  addAfter(key: string, ms: number): void {
    if (this.shuttingDown) return;
    if (ms <= 0) {
      this.add(key);
      return;
    }
    const at = this.clock.now() + ms;
    const waiting = this.#waiting.get(key);
    if (waiting && waiting.at <= at) return;
    waiting?.cancel();
    // Keeps the process alive: a worker awaiting get() is owed this key.
    const cancel = this.clock.setTimer(
      () => {
        this.#waiting.delete(key);
        this.add(key);
      },
      ms,
      { keepAlive: true },
    );
    this.#waiting.set(key, { at, cancel });
  }

  /** Adds key once the rate limiter allows: for a reconcile that failed. */
  addRateLimited(key: string): void {
    this.metrics.retried();
    this.addAfter(key, this.#limiter.when(key));
  }

  /** Clears key's backoff: for a reconcile that succeeded. */
  forget(key: string): void {
    this.#limiter.forget(key);
  }

  retries(key: string): number {
    return this.#limiter.retries(key);
  }

  /** Keys waiting for a delay to pass. */
  get delayed(): number {
    return this.#waiting.size;
  }

  /** Drops keys still waiting for their delay, then shuts down as WorkQueue does. */
  override shutDown(): Promise<void> {
    for (const { cancel } of this.#waiting.values()) cancel();
    this.#waiting.clear();
    return super.shutDown();
  }
}
