import { spawn } from "node:child_process";
import { existsSync, readFileSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { acquireFileLock } from "./file-lock.js";
import { useTempDirs } from "./testing/temp-dir.js";

const tempDir = useTempDirs("file-lock");
const child = fileURLToPath(new URL("./testing/lock-child.ts", import.meta.url));
// `--import tsx` resolves from the working directory, so run where node_modules is.
const repoRoot = fileURLToPath(new URL("../../..", import.meta.url));

function run(lock: string, log: string, holdMs: number, mode = ""): Promise<number | null> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, ["--import", "tsx", child, lock, log, String(holdMs), mode], { cwd: repoRoot, stdio: "inherit" });
    proc.on("error", reject);
    proc.on("exit", (code) => resolve(code));
  });
}

describe("the file lock", () => {
  it("lets concurrent processes in one at a time", async () => {
    const dir = tempDir();
    const [lock, log] = [join(dir, "install.lock"), join(dir, "log")];
    writeFileSync(log, "");
    const codes = await Promise.all(Array.from({ length: 5 }, () => run(lock, log, 150)));
    expect(codes).toEqual([0, 0, 0, 0, 0]);
    const lines = readFileSync(log, "utf8").trim().split("\n");
    expect(lines).toHaveLength(10);
    // Every enter is followed by the same process's leave: no two holders overlapped.
    for (let i = 0; i < lines.length; i += 2) expect(lines[i + 1]).toBe(lines[i]?.replace("enter", "leave"));
    expect(existsSync(lock)).toBe(false);
  }, 60_000);

  it("takes over at once from a holder on this host that was killed", async () => {
    const dir = tempDir();
    const [lock, log] = [join(dir, "install.lock"), join(dir, "log")];
    writeFileSync(log, "");
    expect(await run(lock, log, 0, "die")).toBeNull();
    expect(existsSync(lock)).toBe(true);
    const held = await acquireFileLock({ path: lock, timeoutMs: 1000, pollMs: 10 });
    held.release();
    expect(existsSync(lock)).toBe(false);
  }, 30_000);

  it("waits for a fresh lock of another pod, and takes it over once no one refreshed it for staleMs", async () => {
    const dir = tempDir();
    const lock = join(dir, "install.lock");
    writeFileSync(lock, JSON.stringify({ pid: 1, host: "runtime-pod-elsewhere", token: "abc" }));
    await expect(acquireFileLock({ path: lock, timeoutMs: 50, pollMs: 10, staleMs: 60_000 })).rejects.toThrow(
      /still held after 50 ms by pid 1 on runtime-pod-elsewhere/,
    );
    const old = new Date(Date.now() - 120_000);
    utimesSync(lock, old, old);
    const held = await acquireFileLock({ path: lock, timeoutMs: 50, pollMs: 10, staleMs: 60_000 });
    expect(JSON.parse(readFileSync(lock, "utf8")).pid).toBe(process.pid);
    held.release();
  });

  it("keeps a held lock fresh, so a long install is never taken over", async () => {
    const dir = tempDir();
    const lock = join(dir, "install.lock");
    const held = await acquireFileLock({ path: lock, timeoutMs: 50, staleMs: 90 });
    const old = new Date(Date.now() - 120_000);
    utimesSync(lock, old, old);
    await new Promise((r) => setTimeout(r, 100));
    await expect(acquireFileLock({ path: lock, timeoutMs: 30, pollMs: 10, staleMs: 90 })).rejects.toThrow(/still held/);
    held.release();
  });
});
