import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { OPERATOR_NODE_OPTIONS } from "./node-options.js";

describe("OPERATOR_NODE_OPTIONS", () => {
  it("is taken by node from NODE_OPTIONS and caps its heap", () => {
    const heapLimit = (nodeOptions: string) => {
      const r = spawnSync(process.execPath, ["-p", "require('node:v8').getHeapStatistics().heap_size_limit"], {
        env: { PATH: process.env.PATH, NODE_OPTIONS: nodeOptions },
        encoding: "utf8",
      });
      // node refuses a flag NODE_OPTIONS may not carry, and exits 9.
      expect(r.stderr).toBe("");
      expect(r.status).toBe(0);
      return Number(r.stdout) / 2 ** 20;
    };
    const capped = heapLimit(OPERATOR_NODE_OPTIONS);
    // Old space plus the young generation the semi-space flag sizes.
    expect(capped).toBeGreaterThanOrEqual(160);
    expect(capped).toBeLessThan(180);
    expect(heapLimit("")).toBeGreaterThan(capped);
  });
});
