import { type ChildProcessByStdio, spawn } from "node:child_process";
import { dirname } from "node:path";
import type { Readable, Writable } from "node:stream";
import { fileURLToPath } from "node:url";
import { encodeFrame, type Frame, FrameReader } from "./frames.js";

/** The worker's Python files, beside this module; a bundled runtime has them copied beside its bundle. */
export const WORKER_FILES = ["worker.py", "ir_artifact.py", "telemetry_off.py"] as const;
const WORKER = fileURLToPath(new URL("./worker.py", import.meta.url));
/**
 * The directory of the runtime's Python modules: on PYTHONPATH, another program imports them
 * (`from worker import load` compiles an IR artifact as the runtime does, `from ir_artifact import
 * save_ir` writes one), instead of copying them.
 */
export const PYTHON_MODULES_DIR = dirname(WORKER);
/** How long a closed worker may take to exit before it is killed. */
const EXIT_GRACE_MS = 5_000;
/** How much of the worker's stderr an error quotes. */
const STDERR_TAIL_CHARS = 2_000;

interface Pending {
  resolve(frame: Frame): void;
  reject(err: Error): void;
}

/**
 * The OpenVINO worker process (worker.py) serving one IR artifact: requests go out as frames on its
 * stdin, answers come back on its stdout in the same order. Its stderr passes through to ours.
 * Once it exits every waiting and later request fails with why, naming its last words.
 */
export class OpenVinoWorker {
  private readonly child: ChildProcessByStdio<Writable, Readable, Readable>;
  private readonly pending: Pending[] = [];
  private readonly reader = new FrameReader();
  private stderrTail = "";
  private failure: Error | undefined;
  private readonly exited: Promise<void>;

  constructor(python: string, path: string, threads: number) {
    this.child = spawn(python, [WORKER, path, String(threads)], { stdio: ["pipe", "pipe", "pipe"] });
    this.child.stdout.on("data", (chunk: Buffer) => {
      for (const frame of this.reader.push(chunk)) this.pending.shift()?.resolve(frame);
    });
    this.child.stderr.on("data", (chunk: Buffer) => {
      process.stderr.write(chunk);
      this.stderrTail = (this.stderrTail + chunk.toString("utf8")).slice(-STDERR_TAIL_CHARS);
    });
    // A write after the worker died: its exit says why.
    this.child.stdin.on("error", () => {});
    this.exited = new Promise((resolve) => {
      this.child.once("error", (err) => {
        this.fail(
          new Error(
            `cannot start the OpenVINO worker with ${python}: ${err.message}; --python must be the toolchain's venv-python (tools/toolchain/install.sh python-tools)`,
          ),
        );
        resolve();
      });
      this.child.once("exit", (code, signal) => {
        const last = this.stderrTail.trim();
        this.fail(new Error(`the OpenVINO worker exited (${signal ?? `code ${code}`})${last ? `: ${last}` : ""}`));
        resolve();
      });
    });
  }

  /** The next frame the worker sends. */
  next(): Promise<Frame> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => this.pending.push({ resolve, reject }));
  }

  /** Sends a request; resolves to the worker's answer to it. */
  request(header: unknown, payloads: readonly Uint8Array[]): Promise<Frame> {
    const answer = this.next();
    if (!this.failure) this.child.stdin.write(encodeFrame(header, payloads));
    return answer;
  }

  /** Ends the worker's input, so it exits; killed if it has not after a grace period. */
  async close(): Promise<void> {
    this.child.stdin.end();
    const timer = setTimeout(() => this.child.kill("SIGKILL"), EXIT_GRACE_MS);
    await this.exited;
    clearTimeout(timer);
  }

  private fail(err: Error): void {
    this.failure ??= err;
    for (const p of this.pending.splice(0)) p.reject(this.failure);
  }
}
