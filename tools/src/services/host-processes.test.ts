import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { hostProcesses, killProcessesNaming, parentPid, withDescendants } from "./host-processes.js";

describe("host processes", () => {
  it("reads the parent pid past a command name with spaces and parentheses", () => {
    expect(parentPid("4242 (containerd-shim (x) y) S 17 4242 17 0 -1")).toBe(17);
  });

  it("collects a tree below its roots, however the processes are ordered", () => {
    const all = [
      { pid: 9, ppid: 5, argv: ["sh"] },
      { pid: 5, ppid: 3, argv: ["shim"] },
      { pid: 3, ppid: 1, argv: ["containerd"] },
      { pid: 7, ppid: 1, argv: ["other"] },
    ];
    expect(withDescendants(all, [5]).sort()).toEqual([5, 9]);
  });

  it("kills what names a directory, and its children, and no other process", async () => {
    const dir = mkdtempSync(join(tmpdir(), "edgefleet-procs-"));
    // A parent naming the directory whose child does not: both go.
    const parent = spawn("sh", ["-c", `sleep 60 & wait; : ${dir}`], { stdio: "ignore" });
    const bystander = spawn("sleep", ["60"], { stdio: "ignore" });
    await new Promise((r) => setTimeout(r, 200));
    const child = (await hostProcesses()).find((p) => p.ppid === parent.pid);
    expect(child?.argv).toEqual(["sleep", "60"]);
    const killed = await killProcessesNaming(dir);
    expect(killed.map((k) => Number(k.split(" ")[0])).sort()).toEqual([parent.pid, child?.pid].sort());
    expect((await hostProcesses()).some((p) => p.pid === child?.pid && p.argv.length > 0)).toBe(false);
    expect(bystander.exitCode).toBeNull();
    bystander.kill();
    expect(await killProcessesNaming(dir)).toEqual([]);
  });
});
