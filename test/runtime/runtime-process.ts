import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { writeModels } from "@edgefleet/test-models";

/** The project's test models written to a temp dir; remove() deletes it. */
export function testModels(): { dir: string; path(name: string): string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), "edgefleet-runtime-test-"));
  const models = writeModels(dir);
  return {
    dir,
    path(name) {
      const m = models.find((x) => x.name === name);
      if (!m) throw new Error(`no test model ${name}`);
      return join(dir, m.fileName);
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

export interface RuntimeProcess {
  child: ChildProcess;
  /** http://host:port */
  url: string;
  /** Every JSON log line so far. */
  logs: Record<string, unknown>[];
  /** SIGTERM, then the exit code. */
  stop(): Promise<number | null>;
}

/** Starts a runtime program (the CPU runtime's unless main is given) and resolves once the model has loaded (or, under explicit model control, once it listens for models). */
export function startRuntime(args: string[], main = "packages/cpu-runtime/src/main.ts"): Promise<RuntimeProcess> {
  const child = spawn(process.execPath, ["--import", "tsx", main, "--http-address", "127.0.0.1:0", ...args], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  const logs: Record<string, unknown>[] = [];
  let stderr = "";
  child.stderr?.on("data", (d: Buffer) => {
    stderr += d;
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    let url = "";
    void exited.then((code) => reject(new Error(`runtime exited with ${code}: ${stderr}${JSON.stringify(logs)}`)));
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).on("line", (line) => {
      const log = JSON.parse(line) as Record<string, unknown>;
      logs.push(log);
      if (log.msg === "listening") url = `http://${log.address}`;
      if (log.msg === "model loaded" || log.msg === "ready for models")
        resolve({
          child,
          url,
          logs,
          stop: () => {
            child.kill("SIGTERM");
            return exited;
          },
        });
    });
  });
}
