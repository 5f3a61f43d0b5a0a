import { FakeClock } from "@edgefleet/kit";
import { describe, expect, it } from "vitest";
import { EventSpamFilter } from "./event-filter.js";

describe("EventSpamFilter", () => {
  it("lets a burst through per object and reason, then one per refill period", () => {
    const clock = new FakeClock();
    const filter = new EventSpamFilter({ clock, burst: 3, refillMs: 1000 });
    const sent = () => Array.from({ length: 5 }, () => filter.allow("ns/m", "WorkloadRemoved")).filter(Boolean).length;
    expect(sent()).toBe(3);
    clock.advance(999);
    expect(filter.allow("ns/m", "WorkloadRemoved")).toBe(false);
    clock.advance(1);
    expect(filter.allow("ns/m", "WorkloadRemoved")).toBe(true);
    expect(filter.allow("ns/m", "WorkloadRemoved")).toBe(false);
    clock.advance(10_000);
    expect(sent()).toBe(3);
  });

  it("keeps a bucket per object and per reason", () => {
    const filter = new EventSpamFilter({ clock: new FakeClock(), burst: 1 });
    expect(filter.allow("ns/a", "StepAdvanced")).toBe(true);
    expect(filter.allow("ns/a", "StepAdvanced")).toBe(false);
    expect(filter.allow("ns/a", "RolledBack")).toBe(true);
    expect(filter.allow("ns/b", "StepAdvanced")).toBe(true);
  });

  it("forgets the least recently seen pair beyond maxKeys", () => {
    const filter = new EventSpamFilter({ clock: new FakeClock(), burst: 1, maxKeys: 2 });
    filter.allow("a", "R");
    filter.allow("b", "R");
    filter.allow("a", "R");
    filter.allow("c", "R");
    // b was the least recently seen: forgotten, so it has a full bucket again; a is still spent.
    expect(filter.allow("b", "R")).toBe(true);
    expect(filter.allow("c", "R")).toBe(false);
  });

  it("names the bad option", () => {
    expect(() => new EventSpamFilter({ clock: new FakeClock(), burst: 0 })).toThrow(/burst >= 1/);
  });
});
