import { describe, expect, it } from "vitest";
import { FakeClock } from "./fake-clock.js";

describe("FakeClock", () => {
  it("fires timers and intervals in time order as it advances, each at its own time", () => {
    const clock = new FakeClock();
    const fired: string[] = [];
    const at = (name: string) => () => fired.push(`${name}@${clock.now()}`);
    clock.setInterval(at("every300"), 300);
    clock.setTimer(at("once500"), 500);
    clock.setInterval(at("every400"), 400);
    clock.advance(1000);
    expect(fired).toEqual(["every300@300", "every400@400", "once500@500", "every300@600", "every400@800", "every300@900"]);
    expect(clock.now()).toBe(1000);
    expect(clock.dueIn()).toEqual([200, 200]);
  });

  it("fires what is due at the same time in the order it was set, and timers set while firing if they fall due", () => {
    const clock = new FakeClock();
    const fired: string[] = [];
    clock.setTimer(() => {
      fired.push("first");
      clock.setTimer(() => fired.push("set by first"), 0);
    }, 100);
    clock.setInterval(() => fired.push("interval"), 100);
    clock.setTimer(() => fired.push("third"), 100);
    clock.advance(100);
    expect(fired).toEqual(["first", "interval", "third", "set by first"]);
  });

  it("fires nothing cancelled, and an interval that cancels itself fires no more", () => {
    const clock = new FakeClock();
    const fired: number[] = [];
    const cancelTimer = clock.setTimer(() => fired.push(-1), 50);
    let cancelInterval = () => {};
    cancelInterval = clock.setInterval(() => {
      fired.push(clock.now());
      if (fired.length === 2) cancelInterval();
    }, 100);
    cancelTimer();
    clock.advance(1000);
    expect(fired).toEqual([100, 200]);
    expect(clock.pending).toBe(0);
  });

  it("keeps wall time moving with it from where it started", () => {
    const start = Date.parse("2025-03-01T10:00:00Z");
    const clock = new FakeClock({ wallMs: start });
    expect(clock.wallMs()).toBe(start);
    clock.advance(1500);
    expect(new Date(clock.wallMs()).toISOString()).toBe("2025-03-01T10:00:01.500Z");
    expect(new FakeClock().wallMs()).toBe(0);
  });
});
