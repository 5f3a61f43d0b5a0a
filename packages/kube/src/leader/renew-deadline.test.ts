import { type Clock, FakeClock } from "@edgefleet/kit";
import { describe, expect, it } from "vitest";
import { leaseTimingsProblem } from "./lease.js";
import { RenewDeadline } from "./renew-deadline.js";

describe("RenewDeadline", () => {
  it("fires at renewDeadline after the last renewal's write was sent, with no renewal answer needed", () => {
    const clock = new FakeClock();
    let passed = 0;
    const deadline = new RenewDeadline(clock, 2000, 0, () => passed++);
    clock.advance(1500);
    deadline.renewed(1000); // written at 1000, answered at 1500: the deadline is 3000, not 3500
    expect(deadline.leftMs).toBe(1500);
    clock.advance(1499);
    expect([passed, deadline.passed]).toEqual([0, false]);
    clock.advance(1);
    expect([passed, deadline.passed, deadline.leftMs]).toEqual([1, true, 0]);
    clock.advance(10_000);
    expect(passed).toBe(1);
  });

  it("a renewal after the deadline does not revive the term", () => {
    const clock = new FakeClock();
    let passed = 0;
    const deadline = new RenewDeadline(clock, 2000, 0, () => passed++);
    clock.advance(2500);
    deadline.renewed(2400);
    expect([passed, deadline.passed]).toEqual([1, true]);
    clock.advance(5000);
    expect(passed).toBe(1);
  });

  it("judges the deadline by the clock before its timer runs, as after a stalled event loop", () => {
    let t = 0;
    // Time moves, but no timer runs: the event loop is busy.
    const clock: Clock = { now: () => t, wallMs: () => t, setTimer: () => () => {}, setInterval: () => () => {} };
    const deadline = new RenewDeadline(clock, 2000, 0, () => {});
    t = 2000;
    expect(deadline.passed).toBe(true);
  });

  it("an older renewal never moves the deadline earlier, and cancel stops the callback", () => {
    const clock = new FakeClock();
    let passed = 0;
    const deadline = new RenewDeadline(clock, 2000, 1000, () => passed++);
    deadline.renewed(500);
    expect(deadline.leftMs).toBe(3000);
    deadline.cancel();
    clock.advance(10_000);
    expect(passed).toBe(0);
  });
});

describe("leaseTimingsProblem", () => {
  const flags = { leaseDurationSeconds: "--lease-duration", renewDeadlineMs: "--renew-deadline", retryPeriodMs: "--retry-period" };

  it("accepts retry period < renew deadline < lease duration", () => {
    expect(leaseTimingsProblem({ leaseDurationSeconds: 3, renewDeadlineMs: 2000, retryPeriodMs: 500 }, flags)).toBeUndefined();
  });

  it.each([
    [
      { leaseDurationSeconds: 3, renewDeadlineMs: 3000, retryPeriodMs: 500 },
      "--renew-deadline (3000 ms) must be shorter than --lease-duration (3 s)",
    ],
    [
      { leaseDurationSeconds: 3, renewDeadlineMs: 2000, retryPeriodMs: 2000 },
      "--retry-period (2000 ms) must be shorter than --renew-deadline (2000 ms)",
    ],
    [{ leaseDurationSeconds: 0.5, renewDeadlineMs: 200, retryPeriodMs: 100 }, "--lease-duration must be a whole number of seconds >= 1"],
  ])("names the settings in the caller's words: %j", (timings, message) => {
    expect(leaseTimingsProblem(timings, flags)).toContain(message);
  });
});
