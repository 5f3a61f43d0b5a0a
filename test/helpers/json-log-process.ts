import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

export interface LogLine {
  ts: string;
  level: string;
  msg: string;
  [field: string]: unknown;
}

/**
 * One of edgefleet's programs as a real child process (node --import tsx <entry>), its JSON log
 * lines parsed as they come, so tests wait on what it says and kill it for real.
 */
export class JsonLogProcess {
  readonly logs: LogLine[] = [];
  readonly exited: Promise<number | null>;
  protected readonly child: ChildProcess;
  #stderr = "";

  constructor(
    private readonly name: string,
    entry: string,
    args: readonly string[],
    /** Added to this process's environment. */
    env: NodeJS.ProcessEnv = {},
  ) {
    const [command, commandArgs] = this.commandLine(entry, args);
    this.child = spawn(command, commandArgs, {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let buffered = "";
    this.child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
      buffered += chunk;
      const lines = buffered.split("\n");
      buffered = lines.pop() ?? "";
      for (const line of lines) if (line.trim()) this.logs.push(JSON.parse(line) as LogLine);
    });
    this.child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
      this.#stderr = (this.#stderr + chunk).slice(-4000);
    });
    this.exited = new Promise((resolve) => this.child.on("exit", (code) => resolve(code)));
  }

  /** How the program is started; a subclass may run it another way (in a container, say). */
  protected commandLine(entry: string, args: readonly string[]): [string, string[]] {
    return [process.execPath, ["--import", "tsx", entry, ...args]];
  }

  /** The exit code once it exited (null: still running, or killed by a signal). */
  get exitCode(): number | null {
    return this.child.exitCode;
  }

  /** Not exited and not killed by a signal. */
  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  /** The first log line with this message (after `after` earlier ones), once written. */
  async waitForLog(msg: string, { timeoutMs = 30_000, after = 0 } = {}): Promise<LogLine> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const line = this.logs.filter((l) => l.msg === msg)[after];
      if (line) return line;
      if (this.child.exitCode !== null || Date.now() > deadline) {
        throw new Error(`${this.name} did not log "${msg}" (exit ${this.child.exitCode}); stderr: ${this.#stderr}`);
      }
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  async port(): Promise<number> {
    return Number((await this.waitForLog("serving /metrics, /healthz and /readyz")).port);
  }

  async get(path: string): Promise<{ status: number; text: string }> {
    const res = await fetch(`http://127.0.0.1:${await this.port()}${path}`);
    return { status: res.status, text: await res.text() };
  }

  signal(signal: NodeJS.Signals): void {
    if (this.running) this.child.kill(signal);
  }
}
