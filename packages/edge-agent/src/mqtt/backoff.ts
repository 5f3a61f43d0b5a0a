/** When to try connecting again after consecutive failures. */
export interface BackoffOptions {
  /** The ceiling of the first retry's delay; doubles per consecutive failure. */
  readonly minDelayMs: number;
  /** No delay ceiling grows past this. */
  readonly maxDelayMs: number;
  /** Uniform in [0, 1), injected so tests see exact delays. */
  readonly random?: () => number;
}

/**
 * "Full jitter" exponential backoff: a uniform delay between 0 and min(max, min * 2^failures).
 * A broker restart otherwise brings a whole site's agents back in lockstep; spreading each
 * retry over the whole window keeps the reconnect storm flat.
 */
export function fullJitterBackoff(options: BackoffOptions): (failures: number) => number {
  const { minDelayMs, maxDelayMs, random = Math.random } = options;
  if (!(minDelayMs > 0) || !(maxDelayMs >= minDelayMs))
    throw new RangeError(`backoff needs 0 < minDelayMs <= maxDelayMs, got ${minDelayMs} and ${maxDelayMs}`);
  return (failures) => {
    // 2^failures overflows to Infinity long after the cap, and min() handles that.
    const ceiling = Math.min(maxDelayMs, minDelayMs * 2 ** Math.max(0, failures));
    return Math.floor(random() * ceiling);
  };
}
