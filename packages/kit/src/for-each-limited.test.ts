import { describe, expect, it } from "vitest";
import { forEachLimited } from "./for-each-limited.js";

describe("forEachLimited", () => {
  it("runs every item, never more than limit at once", async () => {
    let pending = 0;
    let most = 0;
    const done: number[] = [];
    await forEachLimited([1, 2, 3, 4, 5, 6, 7], 3, async (n) => {
      most = Math.max(most, ++pending);
      await new Promise((resolve) => setTimeout(resolve, 5));
      pending--;
      done.push(n);
    });
    expect(done.sort()).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(most).toBe(3);
  });

  it("rejects with the first error and starts nothing after it", async () => {
    const started: number[] = [];
    const run = forEachLimited([1, 2, 3, 4], 1, async (n) => {
      started.push(n);
      if (n === 2) throw new Error("two failed");
    });
    await expect(run).rejects.toThrow("two failed");
    expect(started).toEqual([1, 2]);
  });
});
