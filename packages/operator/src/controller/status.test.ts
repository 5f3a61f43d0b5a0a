import type { Condition, EdgeModelStatus } from "@edgefleet/api";
import { describe, expect, it } from "vitest";
import { transitions } from "./status.js";

const at = "2026-12-05T00:00:00Z";
const condition = (type: string, status: Condition["status"], reason: string): Condition => ({
  type,
  status,
  reason,
  message: `${type} ${reason}`,
  lastTransitionTime: at,
});
const status = (degraded: Condition): EdgeModelStatus => ({
  conditions: [condition("Ready", "True", "AllNodesReady"), degraded, condition("Stalled", "False", "Placeable")],
});

describe("transitions", () => {
  it("posts no Event for a capacity fallback, at a first placement or later", () => {
    const fellBack = status(condition("Degraded", "True", "CapacityFallback"));
    expect(transitions(undefined, fellBack).map((n) => n.reason)).toEqual(["Ready"]);
    expect(transitions(status(condition("Degraded", "False", "AllClassesPlaced")), fellBack)).toEqual([]);
  });

  it("posts a Warning when Degraded turns True or changes to another reason", () => {
    const unplaced = status(condition("Degraded", "True", "InsufficientCapacity"));
    expect(transitions(status(condition("Degraded", "True", "CapacityFallback")), unplaced)).toEqual([
      { type: "Warning", reason: "InsufficientCapacity", note: "Degraded InsufficientCapacity" },
    ]);
    expect(transitions(unplaced, unplaced)).toEqual([]);
  });
});
