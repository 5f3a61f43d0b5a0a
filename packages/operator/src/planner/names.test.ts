import { describe, expect, it } from "vitest";
import { childName } from "./names.js";

describe("childName", () => {
  it("joins parts that already make a DNS label unchanged", () => {
    expect(childName("detector", "jetson-orin")).toBe("detector-jetson-orin");
  });

  it("cuts long names to 63 characters ending in a hash, distinct for distinct inputs", () => {
    const a = childName("m".repeat(60), "jetson-orin");
    const b = childName("m".repeat(60), "jetson-nano");
    expect(a).toHaveLength(63);
    expect(a).toMatch(/^m{54}-[0-9a-f]{8}$/);
    expect(a).not.toBe(b);
    expect(childName("m".repeat(60), "jetson-orin")).toBe(a);
  });

  it("lowercases and replaces characters a label value allows but a name does not, adding a hash", () => {
    const name = childName("detector", "Jetson_Orin.64GB");
    expect(name).toMatch(/^detector-jetson-orin-64gb-[0-9a-f]{8}$/);
    expect(name).not.toBe(childName("detector", "jetson-orin-64gb"));
  });
});
