import { describe, expect, it } from "vitest";
import { SequenceTracker, WINDOW } from "./sequence.js";

const run = (seqs: number[]) => {
  const t = new SequenceTracker();
  return seqs.map((s) => t.observe(s));
};

describe("SequenceTracker", () => {
  it("counts the numbers skipped at each jump", () => {
    expect(run([5, 6, 9, 10, 20]).map((o) => (o.kind === "next" ? o.skipped : o.kind))).toEqual([0, 0, 2, 0, 9]);
  });

  it("recognises repeats within the window as duplicates", () => {
    expect(run([1, 2, 3, 2, 1, 3, 4]).map((o) => o.kind)).toEqual(["next", "next", "next", "duplicate", "duplicate", "duplicate", "next"]);
  });

  it("takes a number below the highest that it has not seen as late, once", () => {
    expect(run([1, 4, 2, 2, 3]).map((o) => o.kind)).toEqual(["next", "next", "late", "duplicate", "late"]);
  });

  it("forgets what slid out of the window, so an old number seen long ago is not a duplicate", () => {
    const t = new SequenceTracker();
    t.observe(1);
    t.observe(1 + WINDOW);
    // Slot reuse: 1 and 1 + WINDOW share a bit; 1 is now outside the window.
    expect(t.observe(1).kind).toBe("late");
    expect(t.observe(2 + WINDOW).kind).toBe("next");
  });

  it("clears slots across a jump wider than the window", () => {
    const t = new SequenceTracker();
    for (let s = 0; s < WINDOW; s++) t.observe(s);
    t.observe(10 * WINDOW);
    expect(t.observe(10 * WINDOW - 5).kind).toBe("late");
  });

  it("restarts when the agent's seq starts over far below (a new spool)", () => {
    const t = new SequenceTracker();
    t.observe(100_000);
    expect(t.observe(0).kind).toBe("restart");
    expect(t.observe(1)).toEqual({ kind: "next", skipped: 0 });
  });
});
