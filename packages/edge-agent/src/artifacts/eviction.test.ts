import { describe, expect, it } from "vitest";
import { type CacheFile, planEviction } from "./eviction.js";

const file = (name: string, bytes: number, lastUsed: number): CacheFile => ({ path: `/c/${name}`, sha256: name, bytes, lastUsed });

describe("planEviction", () => {
  const files = [file("a", 10, 3), file("b", 10, 1), file("c", 10, 2), file("d", 10, 4)];

  it("evicts least recently used first until the rest fits", () => {
    expect(planEviction(files, new Set(), 25).map((f) => f.sha256)).toEqual(["b", "c"]);
    expect(planEviction(files, new Set(), 40)).toEqual([]);
  });

  it("makes room for a download about to start", () => {
    expect(planEviction(files, new Set(), 40, 15).map((f) => f.sha256)).toEqual(["b", "c"]);
  });

  it("never evicts pinned files, even if the cache stays over its bound", () => {
    expect(planEviction(files, new Set(["b", "c", "a"]), 15).map((f) => f.sha256)).toEqual(["d"]);
    expect(planEviction(files, new Set(["a", "b", "c", "d"]), 1)).toEqual([]);
  });
});
