import { describe, expect, it } from "vitest";
import { kubeTime } from "./time.js";

describe("kubeTime", () => {
  it("writes a time as the API server does, to the second", () => {
    expect(kubeTime(new Date("2026-12-07T09:20:01.987Z"))).toBe("2026-12-07T09:20:01Z");
  });
});
