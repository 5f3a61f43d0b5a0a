import { describe, expect, it } from "vitest";
import { nextState, rolledBack, type VersionEntry } from "./model-state.js";

const entry = (version: string, at = 0): VersionEntry => ({
  version,
  sha256: version.repeat(64).slice(0, 64),
  sizeBytes: 1,
  activatedAt: at,
});

describe("model state transitions", () => {
  it("makes the old active version the previous one", () => {
    const first = nextState(undefined, entry("1"));
    expect(first).toEqual({ active: entry("1"), previous: null });
    expect(nextState(first, entry("2"))).toEqual({ active: entry("2"), previous: entry("1") });
  });

  it("leaves the state alone when the version is already active", () => {
    const state = { active: entry("2"), previous: entry("1") };
    expect(nextState(state, entry("2", 99))).toBe(state);
  });

  it("updates the active version in place when only its evaluation data changes", () => {
    const state = { active: entry("2"), previous: entry("1") };
    const evaluationSha256 = "e".repeat(64);
    expect(nextState(state, { ...entry("2", 99), evaluationSha256 })).toEqual({
      active: { ...entry("2"), evaluationSha256 },
      previous: entry("1"),
    });
  });

  it("rolls back by swapping, and not at all without a previous version", () => {
    expect(rolledBack({ active: entry("2"), previous: entry("1") }, 7)).toEqual({ active: entry("1", 7), previous: entry("2") });
    expect(rolledBack({ active: entry("1"), previous: null }, 7)).toBeUndefined();
    expect(rolledBack(undefined, 7)).toBeUndefined();
  });
});
