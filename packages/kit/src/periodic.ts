import type { Clock } from "./clock.js";

export interface IntervalTimers {
  setInterval(fn: () => void, ms: number): unknown;
  clearInterval(handle: unknown): void;
}

/** Unref'd: a periodic loop alone never keeps the process alive. */
export const realIntervalTimers: IntervalTimers = {
  setInterval: (fn, ms) => setInterval(fn, ms).unref(),
  clearInterval: (handle) => clearInterval(handle as NodeJS.Timeout),
};

export interface PeriodicOptions {
  readonly intervalMs: number;
  readonly timers: IntervalTimers;
  readonly clock: Pick<Clock, "now">;
  readonly run: () => Promise<void>;
  /** After each run, with its duration. */
  readonly ran?: (seconds: number) => void;
  /** A tick that found the previous run still going and was skipped. */
  readonly overran?: () => void;
  readonly failed: (err: unknown) => void;
}

/** Runs `run` every interval; runs never overlap and a failing run never rejects anything. */
export class Periodic {
  private handle: unknown;
  private running: Promise<void> | undefined;

  constructor(private readonly options: PeriodicOptions) {}

  start(): void {
    if (this.handle !== undefined) return;
    this.handle = this.options.timers.setInterval(() => {
      if (this.running) this.options.overran?.();
      else void this.runOnce();
    }, this.options.intervalMs);
  }

  /** One run now, or the one under way. */
  runOnce(): Promise<void> {
    this.running ??= this.guarded().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  /** No more ticks; resolves once a run under way has finished. */
  async stop(): Promise<void> {
    if (this.handle !== undefined) this.options.timers.clearInterval(this.handle);
    this.handle = undefined;
    await this.running;
  }

  private async guarded(): Promise<void> {
    const started = this.options.clock.now();
    try {
      await this.options.run();
    } catch (err) {
      this.options.failed(err);
    }
    this.options.ran?.((this.options.clock.now() - started) / 1000);
  }
}
