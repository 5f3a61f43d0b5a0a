import { describe, expect, it } from "vitest";
import { informersProblem } from "./informer-health.js";

const informer = (resource: string, downMs: number) => ({ resource, downForMs: () => downMs });

describe("informersProblem", () => {
  it("is undefined while every informer has listed or watched within the bound", () => {
    expect(informersProblem([informer("jobs", 0), informer("pods", 1_000)], 1_000)).toBeUndefined();
  });

  it("names every informer past the bound and the longest outage", () => {
    expect(informersProblem([informer("jobs", 0), informer("pods", 4_600), informer("nodes", 2_100)], 1_000)).toBe(
      "informers pods, nodes without a list or watch for up to 5 s (most 1 s)",
    );
  });
});
