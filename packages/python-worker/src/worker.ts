import { type ChildProcessByStdio, spawn } from "node:child_process";
import { delimiter, dirname } from "node:path";
import type { Readable, Writable } from "node:stream";
import { fileURLToPath } from "node:url";
import { encodeFrame, type Frame, FrameReader } from "./frames.js";

/**
 * The worker loop every engine script imports (`from frame_worker import serve`), beside this
 * module; a bundled runtime has it copied beside its bundle, with its engine's files.
 */
export const FRAME_WORKER = fileURLToPath(new URL("./frame_worker.py", import.meta.url));
/** How long a closed worker may take to exit before it is killed. */
const EXIT_GRACE_MS = 5_000;
/** How much of the worker's stderr an error quotes. */
const STDERR_TAIL_CHARS = 2_000;

interface Pending {
  resolve(frame: Frame): void;
  reject(err: Error): void;
}

/** What runs a model: an engine script (which calls frame_worker.serve) on the toolchain's venv-python. */
export interface WorkerCommand {
  /** The Python with the engine's packages: the toolchain's venv-python. */
  python: string;
  /** The engine script, e.g. the OpenVINO runtime's worker.py. */
  script: string;
  args: readonly string[];
  /** The engine's name in errors, e.g. "OpenVINO". */
  engine: string;
}

/**
 * A worker process (an engine script on frame_worker.py) serving one model: requests go out as
 * frames on its stdin, answers come back on its stdout in the same order. Its stderr passes through
 * to ours. Once it exits every waiting and later request fails with why, naming its last words.
 */
export class PythonWorker {
  private readonly child: ChildProcessByStdio<Writable, Readable, Readable>;
  private readonly pending: Pending[] = [];
  private readonly reader = new FrameReader();
  private stderrTail = "";
  private failure: Error | undefined;
  private readonly exited: Promise<void>;

  constructor({ python, script, args, engine }: WorkerCommand) {
    // The engine script finds frame_worker.py, and its own modules, through PYTHONPATH.
    const path = [dirname(FRAME_WORKER), dirname(script), process.env.PYTHONPATH].filter(Boolean).join(delimiter);
    this.child = spawn(python, [script, ...args], { stdio: ["pipe", "pipe", "pipe"], env: { ...process.env, PYTHONPATH: path } });
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
            `cannot start the ${engine} worker with ${python}: ${err.message}; --python must be the toolchain's venv-python (tools/toolchain/install.sh python-tools)`,
          ),
        );
        resolve();
      });
      this.child.once("exit", (code, signal) => {
        const last = this.stderrTail.trim();
        this.fail(new Error(`the ${engine} worker exited (${signal ?? `code ${code}`})${last ? `: ${last}` : ""}`));
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

/** The runtimes' --python flag: the interpreter their worker runs on. */
export const PYTHON_FLAG = {
  type: "string",
  arg: "FILE",
  default: "venv-python",
  env: "EDGEFLEET_VENV_PYTHON",
  help: "the Python the model worker runs on, with the engine's packages: the toolchain's venv-python (tools/toolchain/install.sh python-tools)",
} as const;
