import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { useTempDirs } from "@edgefleet/kit";
import { describe, expect, it } from "vitest";
import { Spool } from "./spool.js";

const tempDir = useTempDirs("spool-sigkill");
const writer = fileURLToPath(new URL("../testing/spool-writer.ts", import.meta.url));
// `--import tsx` resolves from the working directory, so run where node_modules is.
const repoRoot = fileURLToPath(new URL("../../../..", import.meta.url));

/** Runs the writer until it has reported at least `count` durable seqs, then SIGKILLs it mid-loop. */
function killAfter(dir: string, count: number): Promise<number[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", writer, dir], { cwd: repoRoot, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      if (out.split("\n").length > count) child.kill("SIGKILL");
    });
    child.stderr.on("data", (chunk: Buffer) => {
      err += chunk.toString();
    });
    child.on("error", reject);
    child.on("exit", (_code, signal) => {
      if (signal !== "SIGKILL") reject(new Error(`writer exited without being killed: ${err}`));
      // A line cut off by the kill was not reported whole, so it does not count as durable.
      else resolve(out.split("\n").slice(0, -1).map(Number));
    });
  });
}

describe("Spool under SIGKILL", () => {
  it("keeps every record the writer reported durable, in order", async () => {
    const dir = tempDir();
    const reported = await killAfter(dir, 1500);
    expect(reported.length).toBeGreaterThanOrEqual(1500);
    expect(reported).toEqual([...reported.keys()]);

    const spool = Spool.open({ dir });
    const stored = spool.peek(Number.MAX_SAFE_INTEGER).map((r) => r.seq);
    // The writer may have appended past its last report before dying; those count too, in order.
    expect(stored.slice(0, reported.length)).toEqual(reported);
    expect(stored).toEqual([...stored.keys()]);
    expect(spool.stats().dropped.messages).toBe(0);
    spool.close();
  }, 20_000);
});
