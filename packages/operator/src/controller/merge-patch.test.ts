import { describe, expect, it } from "vitest";
import { mergePatch } from "./merge-patch.js";

describe("mergePatch", () => {
  it("nulls keys that are gone, recursing into objects and replacing arrays whole", () => {
    const before = { a: 1, gone: "x", nested: { keep: 1, drop: 2 }, list: [1, 2] };
    const after = { a: 2, nested: { keep: 1 }, list: [3], added: { b: 1 } };
    expect(mergePatch(before, after)).toEqual({ a: 2, gone: null, nested: { keep: 1, drop: null }, list: [3], added: { b: 1 } });
  });

  it("is the new value where either side is not an object", () => {
    expect(mergePatch(undefined, { a: 1 })).toEqual({ a: 1 });
    expect(mergePatch({ a: 1 }, [1])).toEqual([1]);
  });
});
