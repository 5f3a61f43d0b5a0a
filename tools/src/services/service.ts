import { type ChildProcess, spawn } from "node:child_process";
import { createWriteStream, type WriteStream } from "node:fs";
import { createConnection } from "node:net";
import { exponentialBackoff } from "@edgefleet/kit";

/** How to tell a service is up: its TCP port accepts connections, or an HTTP URL answers 2xx. */
/** Ready once it accepts TCP connections (on tcpHost, default 127.0.0.1), or once httpUrl answers 2xx. */
export type Readiness = { readonly tcpPort: number; readonly tcpHost?: string } | { readonly httpUrl: string };

export interface ServiceOptions {
  /** Shown in errors and progress lines. */
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** stdout and stderr are appended here; otherwise kept in memory only (see output()). */
  readonly logFile?: string;
  readonly readiness: Readiness;
  readonly startTimeoutMs?: number;
  /** How long SIGTERM may take before SIGKILL. */
  readonly stopTimeoutMs?: number;
  /**
   * Started again, after a backoff, when it exits without being asked to, as a Deployment's pod is:
   * the operator exits when it loses its lease and relies on being restarted.
   */
  readonly restartOnExit?: boolean;
}

/** As the kubelet's crash-loop backoff: 1 s doubling to 5 min, reset after a run this long. */
const RESTART_BACKOFF = exponentialBackoff({ baseMs: 1_000, maxMs: 300_000 });
const STABLE_RUN_MS = 60_000;

/** The last bytes of output kept in memory, for error messages and test assertions. */
const OUTPUT_TAIL = 64 * 1024;

function tcpOpen(port: number, host = "127.0.0.1"): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

async function httpOk(url: string): Promise<boolean> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(1_000) });
    await response.body?.cancel();
    return response.ok;
  } catch {
    return false;
  }
}

const isReady = (readiness: Readiness) =>
  "tcpPort" in readiness ? tcpOpen(readiness.tcpPort, readiness.tcpHost) : httpOk(readiness.httpUrl);

/**
 * A child process the local platform or a test runs for real (broker, Prometheus, gateway, ...):
 * started and awaited until ready, its output logged, stopped gracefully, killed, or restarted
 * with the same command line.
 */
export class Service {
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private tail = "";
  private log: WriteStream | undefined;
  /** Set by start(), cleared by stop() and kill(): whether an exit is a surprise to restart from. */
  private wanted = false;
  private restarts = 0;

  constructor(private readonly options: ServiceOptions) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Recent output, newest last. */
  output(): string {
    return this.tail;
  }

  async start(): Promise<void> {
    try {
      await this.launch();
    } catch (err) {
      // Only a service that once started is restarted: a first start that fails is the caller's to handle.
      this.wanted = false;
      throw err;
    }
  }

  private async launch(): Promise<void> {
    const { name, command, args, cwd, env, logFile, readiness } = this.options;
    if (this.running) throw new Error(`${name} is already running (pid ${this.child?.pid})`);
    this.log ??= logFile === undefined ? undefined : createWriteStream(logFile, { flags: "a" });
    const child = spawn(command, args, { cwd, env: env ?? process.env, stdio: ["ignore", "pipe", "pipe"] });
    this.child = child;
    this.wanted = true;
    const startedAt = Date.now();
    const record = (chunk: Buffer) => this.record(chunk);
    child.stdout?.on("data", record);
    child.stderr?.on("data", record);
    const spawnError = new Promise<Error>((resolve) => child.once("error", resolve));
    this.exited = new Promise((resolve) => child.once("close", () => resolve()));
    if (this.options.restartOnExit) child.once("close", () => this.restartAfterExit(child, Date.now() - startedAt));

    const deadline = Date.now() + (this.options.startTimeoutMs ?? 15_000);
    while (Date.now() < deadline) {
      const failed = await Promise.race([spawnError, new Promise<undefined>((r) => setTimeout(r, 25, undefined))]);
      if (failed !== undefined) throw new Error(`${name}: cannot run ${command}: ${failed.message}`);
      if (!this.running) throw new Error(`${name} exited (${child.exitCode ?? child.signalCode}) while starting:\n${this.tail}`);
      if (await isReady(readiness)) return;
    }
    child.kill("SIGKILL");
    await this.exited;
    throw new Error(`${name} was not ready within ${(this.options.startTimeoutMs ?? 15_000) / 1000}s:\n${this.tail}`);
  }

  private restartAfterExit(child: ChildProcess, ranMs: number): void {
    if (!this.wanted || child !== this.child) return;
    if (ranMs >= STABLE_RUN_MS) this.restarts = 0;
    const delayMs = RESTART_BACKOFF(this.restarts++);
    this.record(`[edgefleet] ${this.options.name} exited (${child.exitCode ?? child.signalCode}); restarting in ${delayMs / 1000}s\n`);
    // A start that fails kills its child, whose exit schedules the next attempt.
    setTimeout(() => {
      if (this.wanted && !this.running) this.launch().catch((err: Error) => this.record(`[edgefleet] ${err.message}\n`));
    }, delayMs).unref();
  }

  private record(chunk: Buffer | string): void {
    this.tail = (this.tail + chunk.toString()).slice(-OUTPUT_TAIL);
    this.log?.write(chunk);
  }

  /** SIGTERM, then SIGKILL after the stop timeout; resolves once the process is gone. */
  async stop(): Promise<void> {
    this.wanted = false;
    if (!this.running) return this.exited;
    this.child?.kill("SIGTERM");
    const timer = setTimeout(() => this.child?.kill("SIGKILL"), this.options.stopTimeoutMs ?? 10_000);
    await this.exited;
    clearTimeout(timer);
  }

  /** A crash: no chance to flush or say goodbye. */
  async kill(): Promise<void> {
    this.wanted = false;
    if (this.running) this.child?.kill("SIGKILL");
    await this.exited;
  }

  /** Stops it and closes its log. */
  async dispose(): Promise<void> {
    await this.stop();
    await new Promise<void>((resolve) => (this.log ? this.log.end(resolve) : resolve()));
    this.log = undefined;
  }
}
