import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

export interface LogLine {
  ts: string;
  level: string;
  msg: string;
  [field: string]: unknown;
}

/** The operator as a real process (node operator/src/main.ts), so kills and restarts are real too. */
export class OperatorProcess {
  readonly identity: string;
  readonly logs: LogLine[] = [];
  readonly exited: Promise<number | null>;
  readonly #child: ChildProcess;
  #stderr = "";

  constructor(args: { kubeconfig: string; namespace: string; identity: string; extra?: string[] }) {
    this.identity = args.identity;
    this.#child = spawn(
      process.execPath,
      [
        "--import",
        "tsx",
        "operator/src/main.ts",
        "--kubeconfig",
        args.kubeconfig,
        "--namespace",
        args.namespace,
        "--leader-election-namespace",
        args.namespace,
        "--identity",
        args.identity,
        "--http-address",
        "127.0.0.1:0",
        ...(args.extra ?? []),
      ],
      { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] },
    );
    let buffered = "";
    this.#child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
      buffered += chunk;
      const lines = buffered.split("\n");
      buffered = lines.pop() ?? "";
      for (const line of lines) if (line.trim()) this.logs.push(JSON.parse(line) as LogLine);
    });
    this.#child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
      this.#stderr = (this.#stderr + chunk).slice(-4000);
    });
    this.exited = new Promise((resolve) => this.#child.on("exit", (code) => resolve(code)));
  }

  /** The first log line with this message, once written. */
  async waitForLog(msg: string, timeoutMs = 30_000): Promise<LogLine> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const line = this.logs.find((l) => l.msg === msg);
      if (line) return line;
      if (this.#child.exitCode !== null || Date.now() > deadline) {
        throw new Error(`operator ${this.identity} did not log "${msg}" (exit ${this.#child.exitCode}); stderr: ${this.#stderr}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  async port(): Promise<number> {
    return Number((await this.waitForLog("serving /metrics, /healthz and /readyz")).port);
  }

  async get(path: string): Promise<{ status: number; text: string }> {
    const res = await fetch(`http://127.0.0.1:${await this.port()}${path}`);
    return { status: res.status, text: await res.text() };
  }

  kill(signal: NodeJS.Signals): void {
    this.#child.kill(signal);
  }

  /** Kills the process if it still runs; for afterAll. */
  async stop(): Promise<void> {
    if (this.#child.exitCode === null && this.#child.signalCode === null) this.#child.kill("SIGKILL");
    await this.exited;
  }
}
