import { describe, expect, it } from "vitest";
import { parseOptions } from "./options.js";

const base = ["--site", "plant-3", "--node", "orin-07", "--hardware-class", "jetson-orin"];

describe("agent options", () => {
  it("discovers the node's runtimes through the API server when asked", () => {
    const parsed = parseOptions([...base, "--discover-runtimes", "--kubeconfig", "/etc/kubeconfig"]);
    expect(parsed.help ? undefined : [parsed.options.discoverRuntimes, parsed.options.kubeconfig]).toEqual([true, "/etc/kubeconfig"]);
    const plain = parseOptions(base);
    expect(plain.help ? undefined : [plain.options.discoverRuntimes, plain.options.kubeconfig]).toEqual([false, undefined]);
  });

  it("refuses two sources of inference targets, naming both flags", () => {
    expect(() => parseOptions([...base, "--discover-runtimes", "--inference-targets", "t.json"])).toThrow(
      "--discover-runtimes and --inference-targets both say what to probe: give one of them",
    );
  });
});
