import { describe, expect, it } from "vitest";
import { clientMemoryProblem, memoryProblem } from "./memory.js";

describe("memoryProblem", () => {
  it("lets a run start that fits the available memory, and refuses one that does not with the most that fit", () => {
    expect(memoryProblem(20, 22e9)).toBeUndefined();
    expect(memoryProblem(100, 22e9)).toBe(
      "--devices 100 needs about 27.0 GB of memory (250 MB a device: its Flower SuperNode and the SuperExec beside it, and 2.0 GB for the rest of the run), and this machine has 22.0 GB available: run fewer devices (at most 80 here), or add --ignore-memory to start anyway",
    );
    expect(memoryProblem(2, 1e9)).toContain("(at most 0 here)");
  });
});

describe("clientMemoryProblem", () => {
  it("starts one more simulated device while it leaves memory free, and says why not otherwise", () => {
    expect(clientMemoryProblem(750e6)).toBeUndefined();
    expect(clientMemoryProblem(600e6)).toBe(
      "this machine has 600 MB available, and a simulated device takes about 250 MB (its Flower SuperNode and SuperExec) with 500 MB left for the rest: started once memory frees; train fewer devices, or stop other runs",
    );
  });
});
