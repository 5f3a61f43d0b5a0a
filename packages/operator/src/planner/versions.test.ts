import { describe, expect, it } from "vitest";
import { parseQuantity } from "./quantity.js";
import { compareVersions, inVersionRange } from "./versions.js";

describe("versions", () => {
  it("compares component by component as numbers, missing parts counting as zero", () => {
    expect(compareVersions("8.10", "8.9")).toBeGreaterThan(0);
    expect(compareVersions("10.3", "10.3.0")).toBe(0);
    expect(compareVersions("1.9.9", "1.10")).toBeLessThan(0);
  });

  it("treats a max as covering every patch release below it", () => {
    expect(inVersionRange("10.3.7", { max: "10.3" })).toBe(true);
    expect(inVersionRange("10.4.0", { max: "10.3" })).toBe(false);
    expect(inVersionRange("1.16.3", { min: "1.17" })).toBe(false);
    expect(inVersionRange("1.20.1", { min: "1.17", max: "1" })).toBe(true);
  });

  it("rejects what is not a dotted numeric version, naming it", () => {
    expect(() => compareVersions("v1.2", "1")).toThrow('"v1.2" is not a dotted numeric version');
  });
});

describe("parseQuantity", () => {
  it("reads Kubernetes quantities", () => {
    expect([
      parseQuantity("1"),
      parseQuantity(2),
      parseQuantity("500m"),
      parseQuantity("2Gi"),
      parseQuantity("1k"),
      parseQuantity("1e3"),
    ]).toEqual([1, 2, 0.5, 2 * 2 ** 30, 1000, 1000]);
  });

  it("rejects a malformed quantity, naming it", () => {
    expect(() => parseQuantity("1 GB")).toThrow('"1 GB" is not a Kubernetes quantity');
  });
});
