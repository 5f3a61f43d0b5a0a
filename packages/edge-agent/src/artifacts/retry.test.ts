import { describe, expect, it } from "vitest";
import { resolveRetry } from "./retry.js";

describe("resolveRetry", () => {
  it("doubles from the base delay up to the maximum", () => {
    const retry = resolveRetry({ baseDelayMs: 100, maxDelayMs: 1000 });
    expect([1, 2, 3, 4, 5, 6].map(retry.delay)).toEqual([100, 200, 400, 800, 1000, 1000]);
  });

  it("names the option it refuses", () => {
    expect(() => resolveRetry({ attempts: 0 })).toThrow(/attempts must be at least 1/);
    expect(() => resolveRetry({ baseDelayMs: -1 })).toThrow(/baseDelayMs must be a non-negative integer/);
  });
});
