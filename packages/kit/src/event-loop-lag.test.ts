import { describe, expect, it } from "vitest";
import type { Clock } from "./clock.js";
import { EventLoopLag } from "./event-loop-lag.js";
import { liveness } from "./http-server.js";
import { silentLogger } from "./log.js";

/** A clock whose time the test sets and whose one interval it runs by hand: time can pass with the loop stuck. */
function stuckClock() {
  const c = { t: 0, tick: () => {} };
  const clock: Clock = {
    now: () => c.t,
    wallMs: () => c.t,
    setTimer: () => () => {},
    setInterval: (fn) => {
      c.tick = fn;
      return () => {};
    },
  };
  return { c, clock };
}

describe("EventLoopLag", () => {
  it("measures how late each sample fires", () => {
    const { c, clock } = stuckClock();
    const lag = new EventLoopLag({ maxLagMs: 1000, intervalMs: 500, clock }).start();
    c.t = 520;
    c.tick();
    expect(lag.lagMs()).toBe(20);
    expect(lag.problem()).toBeUndefined();
    c.t = 520 + 500 + 1500;
    c.tick();
    expect(lag.problem()).toBe("event loop lags 1500 ms (most 1000 ms)");
    c.t += 500;
    c.tick();
    expect(lag.problem()).toBeUndefined();
  });

  it("sees a stall under way before the sampling timer runs again", () => {
    const { c, clock } = stuckClock();
    const lag = new EventLoopLag({ maxLagMs: 1000, intervalMs: 500, clock }).start();
    c.t = 1400;
    expect(lag.problem()).toBeUndefined();
    c.t = 1600;
    expect(lag.lagMs()).toBe(1100);
    expect(lag.problem()).toContain("lags 1100 ms");
  });

  it("catches a real busy loop", async () => {
    const lag = new EventLoopLag({ maxLagMs: 100, intervalMs: 20 }).start();
    await new Promise((r) => setTimeout(r, 50));
    expect(lag.problem()).toBeUndefined();
    const until = performance.now() + 300;
    while (performance.now() < until) {
      // the loop is stuck here
    }
    expect(lag.problem()).toMatch(/^event loop lags \d+ ms/);
    // Recovered once the loop comes round again (polled: this machine may be busy with other tests).
    for (let i = 0; i < 40 && lag.problem() !== undefined; i++) await new Promise((r) => setTimeout(r, 50));
    expect(lag.problem()).toBeUndefined();
    lag.stop();
  });
});

describe("liveness", () => {
  it("fails when any check names a problem, and says which", () => {
    const warned: unknown[] = [];
    const log = { ...silentLogger, warn: (msg: string, fields?: unknown) => warned.push({ msg, fields }) };
    let problem: string | undefined;
    const healthy = liveness(
      log,
      () => undefined,
      () => problem,
    );
    expect(healthy()).toBe(true);
    problem = "informer nodes down for 200 s";
    expect(healthy()).toBe(false);
    expect(warned).toEqual([{ msg: "liveness probe failing", fields: { problems: ["informer nodes down for 200 s"] } }]);
  });
});
