/** Monotonic milliseconds, injected so tests and the fleet simulator control time. */
export interface Clock {
  now(): number;
}

export const monotonicClock: Clock = { now: () => performance.now() };
