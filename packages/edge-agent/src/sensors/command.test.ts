import { describe, expect, it } from "vitest";
import { execRunner } from "./command.js";

describe("execRunner", () => {
  it("resolves with a program's stdout", async () => {
    expect(await execRunner({ timeoutMs: 10_000 })(process.execPath, ["-e", "process.stdout.write('0, GPU\\n')"])).toBe("0, GPU\n");
  });

  it("rejects with ENOENT for a program that is not installed, as nvidia-smi on a Pi", async () => {
    await expect(execRunner({ timeoutMs: 10_000 })("edgefleet-no-such-program", [])).rejects.toMatchObject({ code: "ENOENT" });
  });
});
