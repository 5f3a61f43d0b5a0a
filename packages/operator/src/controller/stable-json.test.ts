import { edgeModel } from "@edgefleet/api";
import { seededRandom } from "@edgefleet/kit";
import { describe, expect, it } from "vitest";
import { stableJson } from "./stable-json.js";

/** What stableJson wrote when a replacer re-created every object: spec hashes on existing children depend on the same bytes. */
function reference(value: unknown): string {
  return JSON.stringify(value, (_, v) =>
    v && typeof v === "object" && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : 1))) : v,
  );
}

/** A random JSON-ish value with the awkward parts: undefined, integer keys, Dates, non-finite numbers, escapes. */
function randomValue(next: () => number, depth: number): unknown {
  const pick = Math.floor(next() * (depth > 3 ? 7 : 10));
  const keys = ["b", "a", "10", "9", "0", "é", 'q"uote', "nvidia.com/gpu", "Z", "-1", "01"];
  switch (pick) {
    case 0:
      return Math.floor(next() * 2000) - 1000;
    case 1:
      return [Number.NaN, Number.POSITIVE_INFINITY, -0, 1e21, 0.1 + 0.2][Math.floor(next() * 5)];
    case 2:
      return ["", "plain", 'a "quoted"\nline\u2028', "\u{1F600}"][Math.floor(next() * 4)];
    case 3:
      return next() < 0.5;
    case 4:
      return null;
    case 5:
      return undefined;
    case 6:
      return new Date(Math.floor(next() * 2e12));
    case 7:
      return Array.from({ length: Math.floor(next() * 4) }, () => randomValue(next, depth + 1));
    default:
      return Object.fromEntries(
        Array.from({ length: Math.floor(next() * 6) }, () => [
          keys[Math.floor(next() * keys.length)] as string,
          randomValue(next, depth + 1),
        ]),
      );
  }
}

describe("stableJson", () => {
  it("sorts keys at every depth, so key order does not matter", () => {
    expect(stableJson({ b: 1, a: { d: [{ z: 1, y: 2 }], c: 3 } })).toBe('{"a":{"c":3,"d":[{"y":2,"z":1}]},"b":1}');
    expect(stableJson({ a: 1, b: 2 })).toBe(stableJson({ b: 2, a: 1 }));
  });

  it("writes what JSON.stringify does: undefined left out of objects and null in arrays, Dates as strings", () => {
    const at = new Date("2026-12-05T12:00:00Z");
    expect(stableJson({ a: undefined, b: [undefined, () => 1, Number.NaN], at })).toBe(
      '{"at":"2026-12-05T12:00:00.000Z","b":[null,null,null]}',
    );
    expect(stableJson(undefined)).toBeUndefined();
  });

  it("writes the same bytes as the replacer it replaced, integer keys first as JavaScript orders them", () => {
    expect(stableJson({ b: 1, 10: 2, 9: 3, a: 4 })).toBe('{"9":3,"10":2,"a":4,"b":1}');
    const model = edgeModel({ placement: { nodeSelector: { "edgefleet.io/hardware-class": "jetson-orin" } } }, "m1");
    expect(stableJson(model)).toBe(reference(model));
    const next = seededRandom(18);
    for (let i = 0; i < 2000; i++) {
      const value = randomValue(next, 0);
      expect(stableJson(value)).toBe(reference(value));
    }
  });
});
