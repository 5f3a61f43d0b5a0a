import { describe, expect, it } from "vitest";
import { parseOptions } from "./options.js";

const base = ["--site", "plant-3", "--node", "orin-07", "--hardware-class", "jetson-orin"];

describe("agent options", () => {
  it("reads the node's runtimes from its assignments topic when asked", () => {
    const parsed = parseOptions([...base, "--runtime-assignments"]);
    expect(parsed.help ? undefined : parsed.options.runtimeAssignments).toBe(true);
    const plain = parseOptions(base);
    expect(plain.help ? undefined : plain.options.runtimeAssignments).toBe(false);
  });

  it("refuses two sources of inference targets, naming both flags", () => {
    expect(() => parseOptions([...base, "--runtime-assignments", "--inference-targets", "t.json"])).toThrow(
      "--runtime-assignments and --inference-targets both say what to probe: give one of them",
    );
  });

  it("scores 4 evaluation samples per probe by default, none with 0, and fetches no evaluation data itself", () => {
    const plain = parseOptions(base);
    expect(plain.help ? undefined : [plain.options.evaluationSamples, plain.options.evaluationMaxBytes]).toEqual([4, 16 * 1024 * 1024]);
    const off = parseOptions([...base, "--evaluation-samples", "0"]);
    expect(off.help ? undefined : off.options.evaluationSamples).toBe(0);
    // The artifact installer fetches it with the model's credentials; the agent reads the node's cache.
    expect(() => parseOptions([...base, "--evaluation-ca", "ca.pem"])).toThrow(/evaluation-ca/);
  });
});
