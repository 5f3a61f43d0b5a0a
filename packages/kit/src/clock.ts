/**
 * Time as every edgefleet program sees it, chosen once: systemClock in programs, FakeClock in
 * tests, and every component takes the one it is given.
 */
export interface Clock {
  /** Monotonic milliseconds, for durations and deadlines; only differences are meaningful. */
  now(): number;
  /** Wall-clock milliseconds since the Unix epoch, for timestamps people and other machines read; may step. */
  wallMs(): number;
  /** Calls fn once after ms milliseconds; the returned function cancels it. */
  setTimer(fn: () => void, ms: number, options?: TimerOptions): () => void;
  /** Calls fn every ms milliseconds until the returned function is called; never keeps the process alive. */
  setInterval(fn: () => void, ms: number): () => void;
}

export interface TimerOptions {
  /**
   * Keeps the process alive until the timer fires. Off by default, so background work (a sync, a
   * retry, a watchdog) never holds a finished program open; on for a delay something awaits, or
   * the program would exit with the await unsettled.
   */
  readonly keepAlive?: boolean;
}

export const systemClock: Clock = {
  now: () => performance.now(),
  wallMs: () => Date.now(),
  setTimer(fn, ms, options) {
    const timer = setTimeout(fn, ms);
    if (!options?.keepAlive) timer.unref();
    return () => clearTimeout(timer);
  },
  setInterval(fn, ms) {
    const timer = setInterval(fn, ms).unref();
    return () => clearInterval(timer);
  },
};
