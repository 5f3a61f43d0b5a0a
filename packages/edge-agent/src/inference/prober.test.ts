import { FakeClock } from "@edgefleet/kit";
import { describe, expect, it } from "vitest";
import { LatencyProber } from "./prober.js";

const flush = () => new Promise((r) => setTimeout(r, 0));

describe("LatencyProber loop", () => {
  it("schedules one round at a time, the next only after the previous finished, and stops", async () => {
    // Time moves only when the test says, so the loop's scheduling is visible without waiting.
    const clock = new FakeClock();
    // Port 1 on loopback refuses at once: a real, fast failure.
    const target = { baseUrl: "http://127.0.0.1:1", namespace: "ns", model: "m", version: "1", variant: "v", runtime: "onnx" };
    const prober = new LatencyProber({ targets: [target], intervalMs: 1_000, clock });
    prober.start();
    prober.start();
    expect(clock.dueIn()).toEqual([0]);
    clock.advance(0);
    expect(clock.pending).toBe(0); // the round is in flight: nothing scheduled yet
    clock.advance(240);
    while (clock.pending === 0) await flush();
    expect(clock.dueIn()).toEqual([760]);
    expect(prober.collect()).toMatchObject([{ requests: 1, errors: 1 }]);
    await prober.stop();
    expect(clock.pending).toBe(0);
  });

  it("refuses a non-positive interval, naming it", () => {
    expect(() => new LatencyProber({ intervalMs: 0 })).toThrow(/intervalMs must be positive, got 0/);
  });
});
