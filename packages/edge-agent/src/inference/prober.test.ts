import { describe, expect, it } from "vitest";
import type { Timers } from "../spool/options.js";
import { LatencyProber } from "./prober.js";

/** Timers the test fires by hand, so the loop's scheduling is visible without waiting. */
function manualTimers() {
  const pending = new Map<number, { fn: () => void; ms: number }>();
  let next = 0;
  const timers: Timers = {
    setTimeout: (fn, ms) => {
      pending.set(++next, { fn, ms });
      return next;
    },
    clearTimeout: (handle) => pending.delete(handle as number),
  };
  return { timers, pending };
}

const flush = () => new Promise((r) => setTimeout(r, 0));

describe("LatencyProber loop", () => {
  it("schedules one round at a time, the next only after the previous finished, and stops", async () => {
    const { timers, pending } = manualTimers();
    let now = 0;
    const clock = { now: () => now };
    // Port 1 on loopback refuses at once: a real, fast failure.
    const target = { baseUrl: "http://127.0.0.1:1", namespace: "ns", model: "m", version: "1", variant: "v", runtime: "onnx" };
    const prober = new LatencyProber({ targets: [target], intervalMs: 1_000, clock, timers });
    prober.start();
    prober.start();
    expect([...pending.values()].map((t) => t.ms)).toEqual([0]);
    const [handle, first] = [...pending.entries()][0] ?? [];
    pending.delete(handle ?? 0);
    now = 10;
    first?.fn();
    expect(pending.size).toBe(0); // the round is in flight: nothing scheduled yet
    now = 250;
    while (pending.size === 0) await flush();
    expect([...pending.values()].map((t) => t.ms)).toEqual([760]);
    expect(prober.collect()).toMatchObject([{ requests: 1, errors: 1 }]);
    await prober.stop();
    expect(pending.size).toBe(0);
  });

  it("refuses a non-positive interval, naming it", () => {
    expect(() => new LatencyProber({ intervalMs: 0 })).toThrow(/intervalMs must be positive, got 0/);
  });
});
