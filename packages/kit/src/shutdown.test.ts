import { EventEmitter } from "node:events";
import { describe, expect, it } from "vitest";
import { jsonLogger } from "./log.js";
import { onShutdown } from "./shutdown.js";

function harness(stop: () => Promise<void>, timeoutMs = 3_600_000) {
  const lines: Record<string, unknown>[] = [];
  const log = jsonLogger({ write: (l) => lines.push(JSON.parse(l)) });
  const signals = new EventEmitter();
  const exits: number[] = [];
  const exited = new Promise<number>((resolve) => {
    const exit = (c: number) => {
      exits.push(c);
      resolve(c);
    };
    void onShutdown({ log, timeoutMs, stop, signals, exit }).then(resolve);
  });
  const messages = () => lines.map(({ msg, signal, timeoutMs, error }) => ({ msg, signal, timeoutMs, error }));
  return { signals, exits, exited, messages };
}

describe("onShutdown", () => {
  it("stops once on the first signal and resolves to 0", async () => {
    let stops = 0;
    const h = harness(async () => void stops++);
    h.signals.emit("SIGINT");
    h.signals.emit("SIGTERM");
    expect(await h.exited).toBe(0);
    expect(stops).toBe(1);
    expect(h.exits).toEqual([]);
    expect(h.messages()).toEqual([{ msg: "shutting down", signal: "SIGINT" }]);
  });

  it("waits for a signal", async () => {
    let stops = 0;
    harness(async () => void stops++);
    await new Promise((r) => setImmediate(r));
    expect(stops).toBe(0);
  });

  it("exits with 1 when stop fails, naming the error", async () => {
    const h = harness(() => Promise.reject(new Error("disk wedged")));
    h.signals.emit("SIGTERM");
    expect(await h.exited).toBe(1);
    expect(h.messages()).toEqual([
      { msg: "shutting down", signal: "SIGTERM" },
      { msg: "shutdown failed", error: "Error: disk wedged" },
    ]);
  });

  it("exits with 1 when stop outlasts the timeout", async () => {
    const h = harness(() => new Promise<void>(() => {}), 5);
    h.signals.emit("SIGTERM");
    expect(await h.exited).toBe(1);
    expect(h.messages()).toEqual([
      { msg: "shutting down", signal: "SIGTERM" },
      { msg: "shutdown timed out", timeoutMs: 5 },
    ]);
  });
});
