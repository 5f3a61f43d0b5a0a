import { type ChildProcess, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { createInterface } from "node:readline";

/** edgefleet's model loader (packages/edge-agent/src/loader) run as its pod runs it, from the EDGEFLEET_* environment. */
export interface LoaderProcess {
  child: ChildProcess;
  url: string;
  logs: Record<string, unknown>[];
  exited: Promise<number | null>;
  stop(): Promise<number | null>;
}

export interface LoaderStart {
  /** The shared server's base URL and load key. */
  server: string;
  key: string;
  /** The EdgeModel (in namespace vision), its version, and the verified file. */
  model: string;
  version: string;
  path: string;
  format?: "onnx" | "tensorrt";
  /** Environment over the operator's (e.g. a wrong key or sha256). */
  env?: Record<string, string>;
}

const sha256 = (path: string) => createHash("sha256").update(readFileSync(path)).digest("hex");

/** Starts the loader; resolves once it listens (it loads the model afterwards), rejects if it exits first. */
export function startLoader(o: LoaderStart): Promise<LoaderProcess> {
  const child = spawn(
    process.execPath,
    [
      "--import",
      "tsx",
      "packages/edge-agent/src/loader/main.ts",
      "--http-address=127.0.0.1:0",
      `--model-path=${o.path}`,
      "--check-interval=200ms",
    ],
    {
      stdio: ["ignore", "pipe", "pipe"],
      env: {
        ...process.env,
        EDGEFLEET_MODEL_SERVER: o.server,
        EDGEFLEET_MODEL: `vision/${o.model}`,
        EDGEFLEET_MODEL_VERSION: o.version,
        EDGEFLEET_FORMAT: o.format ?? "onnx",
        EDGEFLEET_ARTIFACT_SHA256: sha256(o.path),
        EDGEFLEET_LOAD_KEY: o.key,
        ...o.env,
      },
    },
  );
  const logs: Record<string, unknown>[] = [];
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    void exited.then((code) => reject(new Error(`loader exited with ${code}: ${JSON.stringify(logs)}`)));
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).on("line", (line) => {
      const log = JSON.parse(line) as Record<string, unknown>;
      logs.push(log);
      if (log.msg === "listening") {
        const stop = () => {
          child.kill("SIGTERM");
          return exited;
        };
        resolve({ child, url: `http://${log.address}`, logs, exited, stop });
      }
    });
  });
}
