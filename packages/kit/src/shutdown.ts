import type { Logger } from "./log.js";

type ShutdownSignal = "SIGTERM" | "SIGINT";

export interface ShutdownOptions {
  log: Logger;
  /** Longest `stop` may take before the process exits with 1 anyway. */
  timeoutMs: number;
  /** Drains and closes everything; the process's exit code is 0 when it resolves. */
  stop: () => Promise<void>;
  /** Where SIGTERM and SIGINT come from (the process; an EventEmitter in tests). */
  signals?: { once(signal: ShutdownSignal, listener: () => void): unknown };
  exit?: (code: number) => void;
}

/**
 * The entry points' graceful shutdown: on the first SIGTERM or SIGINT, runs `stop` once and
 * resolves to exit code 0. A stop that fails or outlasts `timeoutMs` exits with 1 at once, since
 * whatever it left open may otherwise keep the process alive. The timer is unref'd and stays armed,
 * so a handle left open after a successful stop still cannot keep the process alive for ever.
 */
export function onShutdown({
  log,
  timeoutMs,
  stop,
  signals = process,
  exit = (code) => process.exit(code),
}: ShutdownOptions): Promise<number> {
  return new Promise((resolve) => {
    let stopping = false;
    const shutdown = (signal: ShutdownSignal) => {
      if (stopping) return;
      stopping = true;
      log.info("shutting down", { signal });
      setTimeout(() => {
        log.error("shutdown timed out", { timeoutMs });
        exit(1);
      }, timeoutMs).unref();
      stop().then(
        () => resolve(0),
        (err: unknown) => {
          log.error("shutdown failed", { error: String(err) });
          exit(1);
        },
      );
    };
    signals.once("SIGTERM", () => shutdown("SIGTERM"));
    signals.once("SIGINT", () => shutdown("SIGINT"));
  });
}
