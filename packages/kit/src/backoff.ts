/**
 * How a delay is spread below its exponential ceiling:
 * - none: the ceiling itself, for a per-key retry whose keys fail independently;
 * - full: uniform whole milliseconds in [0, ceiling), for many clients that lost the same server
 *   at once and would otherwise come back in lockstep;
 * - equal: uniform in [ceiling / 2, ceiling), spread out but never much sooner than the ceiling.
 */
export type Jitter = "none" | "full" | "equal";

export interface BackoffOptions {
  /** The ceiling of the first retry's delay (attempt 0). */
  readonly baseMs: number;
  /** No ceiling grows past this. */
  readonly maxMs: number;
  /** The ceiling's growth per attempt; 2 unless set. */
  readonly factor?: number;
  /** "none" unless set. */
  readonly jitter?: Jitter;
  /** Uniform in [0, 1), injected so tests see exact delays. */
  readonly random?: () => number;
}

/** The delay in milliseconds before retry number `attempt`, counted from 0. */
export type Backoff = (attempt: number) => number;

/**
 * Exponential backoff: the ceiling is min(maxMs, baseMs × factor^attempt), jittered as asked.
 * Callers keep their own attempt counts (per key, per connection) and reset them as they see fit.
 */
export function exponentialBackoff(options: BackoffOptions): Backoff {
  const { baseMs, maxMs, factor = 2, jitter = "none", random = Math.random } = options;
  // A zero base never backs off, and a cap below the base would make the first delay the longest.
  if (!(baseMs > 0 && maxMs >= baseMs)) throw new RangeError(`backoff: need 0 < baseMs <= maxMs, got baseMs ${baseMs}, maxMs ${maxMs}`);
  if (!(factor >= 1)) throw new RangeError(`backoff: need factor >= 1, got ${factor}`);
  return (attempt) => {
    // factor^attempt overflows to Infinity long after the cap, and min() handles that.
    const ceiling = Math.min(maxMs, baseMs * factor ** Math.max(0, attempt));
    switch (jitter) {
      case "none":
        return ceiling;
      case "full":
        return Math.floor(random() * ceiling);
      case "equal":
        return ceiling * (0.5 + random() / 2);
    }
  };
}
