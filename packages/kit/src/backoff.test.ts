import { describe, expect, it } from "vitest";
import { exponentialBackoff } from "./backoff.js";

describe("exponentialBackoff", () => {
  it("doubles from the base delay up to the maximum", () => {
    const delay = exponentialBackoff({ baseMs: 100, maxMs: 1000 });
    expect([0, 1, 2, 3, 4, 5].map(delay)).toEqual([100, 200, 400, 800, 1000, 1000]);
  });

  it("stays at the cap however many attempts, past where the ceiling overflows", () => {
    const delay = exponentialBackoff({ baseMs: 5, maxMs: 1_000_000 });
    expect([0, 1, 2, 3, 4].map(delay)).toEqual([5, 10, 20, 40, 80]);
    expect(delay(17)).toBe(5 * 2 ** 17);
    expect(delay(18)).toBe(1_000_000);
    expect(delay(2020)).toBe(1_000_000);
  });

  it("grows by the factor given", () => {
    const delay = exponentialBackoff({ baseMs: 10, maxMs: 1000, factor: 3 });
    expect([0, 1, 2, 3, 4, 5].map(delay)).toEqual([10, 30, 90, 270, 810, 1000]);
  });

  describe("full jitter", () => {
    it("draws from a window that doubles per failure up to the cap", () => {
      const top = exponentialBackoff({ baseMs: 100, maxMs: 1_000, jitter: "full", random: () => 0.999999 });
      expect([0, 1, 2, 3, 4, 50, 5000].map(top)).toEqual([99, 199, 399, 799, 999, 999, 999]);
      const bottom = exponentialBackoff({ baseMs: 100, maxMs: 1_000, jitter: "full", random: () => 0 });
      expect(bottom(7)).toBe(0);
    });

    it("spreads a window uniformly", () => {
      const values = [0.1, 0.5, 0.9];
      const delay = exponentialBackoff({ baseMs: 1_000, maxMs: 8_000, jitter: "full", random: () => values.shift() ?? 0 });
      expect([delay(3), delay(3), delay(3)]).toEqual([800, 4_000, 7_200]);
    });
  });

  it("equal jitter draws from the upper half of the window", () => {
    const values = [0, 0.5, 0.999];
    const delay = exponentialBackoff({ baseMs: 200, maxMs: 30_000, jitter: "equal", random: () => values.shift() ?? 0 });
    expect([delay(0), delay(2), delay(10)]).toEqual([100, 600, 29_985]);
  });

  it.each([
    [0, 10],
    [10, 5],
    [Number.NaN, 10],
  ])("rejects base %d and max %d, naming them", (baseMs, maxMs) => {
    expect(() => exponentialBackoff({ baseMs, maxMs })).toThrow(`need 0 < baseMs <= maxMs, got baseMs ${baseMs}, maxMs ${maxMs}`);
  });

  it("rejects a factor that would shrink the delay", () => {
    expect(() => exponentialBackoff({ baseMs: 1, maxMs: 10, factor: 0.5 })).toThrow("need factor >= 1, got 0.5");
  });
});
