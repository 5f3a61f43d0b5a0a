import { exponentialBackoff } from "@edgefleet/kit";

/** When to try again after a failed attempt, and how often. */
export interface RetryOptions {
  /** Attempts in a row that make no progress before giving up. */
  attempts?: number;
  /** Wait before the first retry; doubles per failure up to maxDelayMs. */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Injected so tests retry without waiting. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export interface ResolvedRetry {
  attempts: number;
  /** The delay before retry number `failures` (1-based). */
  delay: (failures: number) => number;
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export const realSleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    timer.unref();
    signal?.addEventListener("abort", onAbort, { once: true });
  });

function positive(name: string, value: number | undefined, fallback: number): number {
  const v = value ?? fallback;
  if (!Number.isSafeInteger(v) || v < 0)
    throw new RangeError(`fetcher option ${name} must be a non-negative integer, got ${String(value)}`);
  return v;
}

export function resolveRetry(options: RetryOptions = {}): ResolvedRetry {
  const attempts = positive("attempts", options.attempts, 5);
  if (attempts < 1) throw new RangeError("fetcher option attempts must be at least 1");
  const backoff = exponentialBackoff({
    baseMs: positive("baseDelayMs", options.baseDelayMs, 500),
    maxMs: positive("maxDelayMs", options.maxDelayMs, 30_000),
  });
  return { attempts, delay: (failures) => backoff(failures - 1), sleep: options.sleep ?? realSleep };
}
