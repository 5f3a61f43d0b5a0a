import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { useTempDirs } from "@edgefleet/kit";
import { describe, expect, it } from "vitest";
import { withMachineLock } from "./machine-lock.js";

const tempDir = useTempDirs("machine-lock");

describe("withMachineLock", () => {
  it("runs holders one at a time", async () => {
    const dir = tempDir();
    const events: string[] = [];
    const hold = (id: string) =>
      withMachineLock(
        "test",
        async () => {
          events.push(`${id} in`);
          await new Promise((r) => setTimeout(r, 50));
          events.push(`${id} out`);
        },
        { dir, pollMs: 10 },
      );
    await Promise.all([hold("a"), hold("b")]);
    expect(events).toEqual(["a in", "a out", "b in", "b out"]);
  });

  it("takes over a lock whose holder died", async () => {
    const dir = tempDir();
    mkdirSync(join(dir, "edgefleet-test.lock"));
    // No process has this pid: above the kernel's pid_max.
    writeFileSync(join(dir, "edgefleet-test.lock", "pid"), "99999999");
    expect(await withMachineLock("test", async () => "ran", { dir, pollMs: 10, timeoutMs: 1_000 })).toBe("ran");
  });
});
