import type { Clock } from "@edgefleet/kit";

export interface EventSpamFilterOptions {
  clock: Clock;
  /** Events of one reason about one object that may go at once (default 10). */
  burst?: number;
  /** Time to earn back one of them (default 60 s). */
  refillMs?: number;
  /** Most (object, reason) pairs tracked; the least recently seen is forgotten first (default 4096). */
  maxKeys?: number;
}

interface Bucket {
  tokens: number;
  at: number;
}

/**
 * client-go's EventCorrelator spam filter, per object and reason: a token bucket each, so a
 * reconcile loop repeating itself cannot flood the API server with Events while a rare reason
 * about the same object still gets through.
 */
export class EventSpamFilter {
  readonly #clock: Clock;
  readonly #burst: number;
  readonly #refillMs: number;
  readonly #maxKeys: number;
  readonly #buckets = new Map<string, Bucket>();

  constructor({ clock, burst = 10, refillMs = 60_000, maxKeys = 4096 }: EventSpamFilterOptions) {
    if (!(burst >= 1 && refillMs > 0 && maxKeys >= 1))
      throw new Error(`EventSpamFilter: need burst >= 1, refillMs > 0, maxKeys >= 1, got ${burst}, ${refillMs}, ${maxKeys}`);
    this.#clock = clock;
    this.#burst = burst;
    this.#refillMs = refillMs;
    this.#maxKeys = maxKeys;
  }

  /** Whether an Event of this reason about this object (its uid or key) may be sent now; takes a token if so. */
  allow(object: string, reason: string): boolean {
    const key = `${object}\u0000${reason}`;
    const now = this.#clock.now();
    const previous = this.#buckets.get(key);
    const bucket = previous
      ? { tokens: Math.min(this.#burst, previous.tokens + (now - previous.at) / this.#refillMs), at: now }
      : { tokens: this.#burst, at: now };
    // Re-inserted so the Map's order is least recently seen first.
    this.#buckets.delete(key);
    this.#buckets.set(key, bucket);
    if (this.#buckets.size > this.#maxKeys) this.#buckets.delete(this.#buckets.keys().next().value as string);
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }
}
