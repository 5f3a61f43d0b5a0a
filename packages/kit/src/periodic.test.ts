import { describe, expect, it } from "vitest";
import { Periodic } from "./periodic.js";
import { FakeClock } from "./testing/fake-clock.js";

describe("Periodic", () => {
  it("skips ticks while a run is under way, counts them, and survives failing runs", async () => {
    const clock = new FakeClock();
    const finish: Array<() => void> = [];
    let runs = 0;
    let overruns = 0;
    const failures: unknown[] = [];
    const durations: number[] = [];
    const loop = new Periodic({
      intervalMs: 600,
      clock,
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
    // Ticks at 600, 1200 and 1800 ms: the first run starts with the first and is still going at the others.
    clock.advance(1800);
    expect(runs).toBe(1);
    expect(overruns).toBe(2);
    clock.advance(300);
    finish.shift()?.();
    await new Promise((r) => setImmediate(r));
    clock.advance(300);
    await new Promise((r) => setImmediate(r));
    expect(failures).toEqual([new Error("sensor exploded")]);
    expect(durations).toEqual([1.5, 0]);
    clock.advance(600);
    const stopped = loop.stop();
    expect(clock.pending).toBe(0);
    finish.shift()?.();
    await stopped;
    expect(runs).toBe(3);
  });
});
