import { type Backoff, type Clock, exponentialBackoff } from "@edgefleet/kit";

/** Decides how long a key waits before it is retried, as client-go's workqueue.RateLimiter. */
export interface RateLimiter {
  /** Delay in milliseconds for the key's next retry; counts the retry. */
  when(key: string): number;
  /** Forgets the key's failures, after it was processed successfully. */
  forget(key: string): void;
  /** Retries counted for the key since it was last forgotten. */
  retries(key: string): number;
}

/** Per key: base, 2×base, 4×base, … up to max, so a failing object is retried ever less often. */
export class ExponentialBackoff implements RateLimiter {
  readonly #delay: Backoff;
  readonly #failures = new Map<string, number>();

  constructor(options: { baseMs: number; maxMs: number }) {
    this.#delay = exponentialBackoff(options);
  }

  when(key: string): number {
    const failures = this.#failures.get(key) ?? 0;
    this.#failures.set(key, failures + 1);
    return this.#delay(failures);
  }

  forget(key: string): void {
    this.#failures.delete(key);
  }

  retries(key: string): number {
    return this.#failures.get(key) ?? 0;
  }
}

/**
 * A token bucket over all keys (golang.org/x/time/rate's reservation semantics): bursts of up to
 * `burst` retries go at once, beyond that they are spaced at `qps`, so a mass failure (the API
 * server down) cannot turn into a retry storm.
 */
export class TokenBucket implements RateLimiter {
  readonly #qps: number;
  readonly #burst: number;
  readonly #clock: Clock;
  #tokens: number;
  #last: number;

  constructor(options: { qps: number; burst: number; clock: Clock }) {
    if (!(options.qps > 0 && options.burst >= 1))
      throw new Error(`TokenBucket: need qps > 0 and burst >= 1, got qps ${options.qps}, burst ${options.burst}`);
    this.#qps = options.qps;
    this.#burst = options.burst;
    this.#clock = options.clock;
    this.#tokens = options.burst;
    this.#last = options.clock.now();
  }

  when(): number {
    const now = this.#clock.now();
    this.#tokens = Math.min(this.#burst, this.#tokens + ((now - this.#last) / 1000) * this.#qps);
    this.#last = now;
    this.#tokens -= 1;
    return this.#tokens >= 0 ? 0 : (-this.#tokens / this.#qps) * 1000;
  }

  forget(): void {}

  retries(): number {
    return 0;
  }
}

/** The longest delay of several limiters. */
export class MaxOf implements RateLimiter {
  readonly #limiters: readonly RateLimiter[];

  constructor(...limiters: RateLimiter[]) {
    this.#limiters = limiters;
  }

  when(key: string): number {
    return Math.max(0, ...this.#limiters.map((l) => l.when(key)));
  }

  forget(key: string): void {
    for (const l of this.#limiters) l.forget(key);
  }

  retries(key: string): number {
    return Math.max(0, ...this.#limiters.map((l) => l.retries(key)));
  }
}

export interface DefaultRateLimiterOptions {
  clock: Clock;
  baseMs?: number;
  maxMs?: number;
  qps?: number;
  burst?: number;
}

/** controller-runtime's default: 5 ms doubling to 1000 s per key, and 10 retries/s (burst 100) overall. */
export function defaultRateLimiter({
  clock,
  baseMs = 5,
  maxMs = 1_000_000,
  qps = 10,
  burst = 100,
}: DefaultRateLimiterOptions): RateLimiter {
  return new MaxOf(new ExponentialBackoff({ baseMs, maxMs }), new TokenBucket({ qps, burst, clock }));
}
