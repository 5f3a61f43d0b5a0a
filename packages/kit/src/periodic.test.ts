import { describe, expect, it } from "vitest";
import { Periodic } from "./periodic.js";

function manualTimers() {
  let tick: (() => void) | undefined;
  return {
    timers: {
      setInterval: (fn: () => void) => {
        tick = fn;
        return 1;
      },
      clearInterval: () => {
        tick = undefined;
      },
    },
    tick: () => tick?.(),
    active: () => tick !== undefined,
  };
}

describe("Periodic", () => {
  it("skips ticks while a run is under way, counts them, and survives failing runs", async () => {
    const { timers, tick, active } = manualTimers();
    const finish: Array<() => void> = [];
    let runs = 0;
    let overruns = 0;
    const failures: unknown[] = [];
    const durations: number[] = [];
    let now = 0;
    const loop = new Periodic({
      intervalMs: 1000,
      timers,
      clock: { now: () => now },
      run: () => {
        runs += 1;
        if (runs === 2) return Promise.reject(new Error("sensor exploded"));
        return new Promise<void>((resolve) => finish.push(resolve));
      },
      ran: (s) => durations.push(s),
      overran: () => (overruns += 1),
      failed: (err) => failures.push(err),
    });
    loop.start();
    tick();
    tick();
    tick();
    expect(runs).toBe(1);
    expect(overruns).toBe(2);
    now = 1500;
    finish.shift()?.();
    await new Promise((r) => setImmediate(r));
    tick();
    await new Promise((r) => setImmediate(r));
    expect(failures).toEqual([new Error("sensor exploded")]);
    expect(durations).toEqual([1.5, 0]);
    tick();
    const stopped = loop.stop();
    expect(active()).toBe(false);
    finish.shift()?.();
    await stopped;
    expect(runs).toBe(3);
  });
});
