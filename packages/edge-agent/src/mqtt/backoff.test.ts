import { describe, expect, it } from "vitest";
import { fullJitterBackoff } from "./backoff.js";

describe("fullJitterBackoff", () => {
  it("draws from a window that doubles per failure up to the cap", () => {
    const top = fullJitterBackoff({ minDelayMs: 100, maxDelayMs: 1_000, random: () => 0.999999 });
    expect([0, 1, 2, 3, 4, 50, 5000].map(top)).toEqual([99, 199, 399, 799, 999, 999, 999]);
    const bottom = fullJitterBackoff({ minDelayMs: 100, maxDelayMs: 1_000, random: () => 0 });
    expect(bottom(7)).toBe(0);
  });

  it("spreads a window uniformly", () => {
    const values = [0.1, 0.5, 0.9];
    const delay = fullJitterBackoff({ minDelayMs: 1_000, maxDelayMs: 8_000, random: () => values.shift() ?? 0 });
    expect([delay(3), delay(3), delay(3)]).toEqual([800, 4_000, 7_200]);
  });

  it.each([
    [0, 10],
    [10, 5],
    [Number.NaN, 10],
  ])("rejects min %d and max %d", (minDelayMs, maxDelayMs) => {
    expect(() => fullJitterBackoff({ minDelayMs, maxDelayMs })).toThrow(/0 < minDelayMs <= maxDelayMs/);
  });
});
