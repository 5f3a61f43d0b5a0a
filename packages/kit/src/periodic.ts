import { type Clock, systemClock } from "./clock.js";

export interface PeriodicOptions {
  readonly intervalMs: number;
  readonly clock?: Clock;
  readonly run: () => Promise<void>;
  /** After each run, with its duration. */
  readonly ran?: (seconds: number) => void;
  /** A tick that found the previous run still going and was skipped. */
  readonly overran?: () => void;
  readonly failed: (err: unknown) => void;
}

/**
 * Runs `run` every interval; runs never overlap, a failing run never rejects anything, and the
 * loop alone never keeps the process alive.
 */
export class Periodic {
  private cancel: (() => void) | undefined;
  private running: Promise<void> | undefined;
  private readonly clock: Clock;

  constructor(private readonly options: PeriodicOptions) {
    this.clock = options.clock ?? systemClock;
  }

  start(): void {
    if (this.cancel !== undefined) return;
    this.cancel = this.clock.setInterval(() => {
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
    this.cancel?.();
    this.cancel = undefined;
    await this.running;
  }

  private async guarded(): Promise<void> {
    const started = this.clock.now();
    try {
      await this.options.run();
    } catch (err) {
      this.options.failed(err);
    }
    this.options.ran?.((this.clock.now() - started) / 1000);
  }
}
