import { describe, expect, it } from "vitest";
import { canaryNodes, canaryOrder, nodesForStep } from "./nodes.js";

const NODES = Array.from({ length: 20 }, (_, i) => `node-${String(i).padStart(2, "0")}`);

describe("nodesForStep", () => {
  it.each([
    [20, 1, 1],
    [20, 10, 2],
    [20, 100, 20],
    [5, 1, 1],
    [5, 50, 3],
    [1, 1, 1],
    [0, 10, 0],
    [1000, 1, 10],
  ])("%i nodes at %i%% -> %i", (total, percent, expected) => {
    expect(nodesForStep(total, percent)).toBe(expected);
  });
});

describe("canaryNodes", () => {
  const pick = (percent: number, previous: readonly string[] | "all" = [], nodes = NODES) =>
    canaryNodes({ seed: "uid-1", nodes, previous, percent });

  it("follows a stable per-model order, different for another model", () => {
    expect(canaryOrder("uid-1", NODES)).toEqual(canaryOrder("uid-1", [...NODES].reverse()));
    expect(canaryOrder("uid-1", NODES)).not.toEqual(canaryOrder("uid-2", NODES));
    expect(pick(10)).toEqual(canaryOrder("uid-1", NODES).slice(0, 2).sort());
  });

  it("only adds nodes from one step to the next", () => {
    const one = pick(1);
    const ten = pick(10, one);
    const all = pick(100, ten);
    expect(one).toHaveLength(1);
    expect(ten).toHaveLength(2);
    expect(ten).toEqual(expect.arrayContaining(one));
    expect(all).toEqual(NODES);
  });

  it("keeps the canaries when a node joins, and gives the joiner the new version only when the share needs it", () => {
    const ten = pick(10);
    // Whichever way the joiner ranks, 21 nodes at 10% is 3: the two canaries stay, one more joins.
    const joined = [...NODES, "node-new"];
    const after = pick(10, ten, joined);
    expect(after).toHaveLength(3);
    expect(after).toEqual(expect.arrayContaining(ten));
    // At 1% the count stays 1: a joiner ranked first still does not displace the canary.
    const one = pick(1);
    for (const name of ["a", "b", "c", "d", "e"]) expect(pick(1, one, [...NODES, `joiner-${name}`])).toEqual(one);
    // At 100% every node runs the new version, the joiner too.
    expect(pick(100, "all", joined)).toEqual([...joined].sort());
  });

  it("drops canaries that left, and trims the last in order when the count shrinks", () => {
    const ten = pick(10);
    const [gone, stays] = ten;
    if (!gone || !stays) throw new Error("expected two canaries");
    const nodes = NODES.filter((n) => n !== gone);
    const after = pick(10, ten, nodes);
    expect(after).toContain(stays);
    expect(after).not.toContain(gone);
    expect(after).toHaveLength(2);
    // Back from 100% to a 10% step (a new target restarts at the first step).
    expect(pick(10, "all")).toEqual(ten);
  });
});
