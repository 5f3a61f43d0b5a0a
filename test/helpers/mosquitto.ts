import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createConnection, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Debian installs the broker in sbin, which is not on every user's PATH. */
const CANDIDATES = ["/usr/sbin/mosquitto", "/usr/bin/mosquitto", "/usr/local/sbin/mosquitto"];

export function mosquittoBinary(): string {
  const found = CANDIDATES.find((p) => existsSync(p));
  if (found === undefined) throw new Error("mosquitto not found: run `tools/edgefleet setup` (installs the Debian package)");
  return found;
}

export interface BrokerContext {
  readonly port: number;
  /** The broker's private directory: config, extra files and persistence live here. */
  readonly dir: string;
}

export interface MosquittoOptions {
  /**
   * The whole mosquitto.conf, given the port and directory. Defaults to one plain listener on
   * 127.0.0.1 that allows anonymous clients; tests of the shipped config pass its generator.
   */
  readonly config?: (context: BrokerContext) => string;
  /** Files written into the broker's directory before it starts (certificates, ACL), by name. */
  readonly files?: Readonly<Record<string, string>>;
  /** A fixed port, e.g. to bring a broker back where its clients expect it. */
  readonly port?: number;
}

export interface Mosquitto extends BrokerContext {
  /** mqtt://127.0.0.1:<port> (mqtts:// when the config is TLS is the caller's business). */
  readonly url: string;
  /** Everything the broker logged, for assertions and failure messages. */
  log(): string;
  /** SIGTERM and wait; the port is free afterwards. */
  stop(): Promise<void>;
  /** SIGKILL and wait: a crash, with no will messages sent by the broker itself. */
  kill(): Promise<void>;
  /** Starts it again on the same port and directory (after stop or kill). */
  start(): Promise<void>;
  /** Stops it and removes its directory. */
  dispose(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address !== null ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

const plainConfig = ({ port }: BrokerContext) => `listener ${port} 127.0.0.1\nallow_anonymous true\n`;

// Run as root, mosquitto drops to the `mosquitto` user, which cannot read a root-owned temp dir.
const asCurrentUser = () => (process.getuid?.() === 0 ? "user root\n" : "");

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host: "127.0.0.1" });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

/** Runs a real Mosquitto broker on a free port with its own directory; resolves once it accepts connections. */
export async function startMosquitto(options: MosquittoOptions = {}): Promise<Mosquitto> {
  const dir = mkdtempSync(join(tmpdir(), "edgefleet-mosquitto-"));
  const port = options.port ?? (await freePort());
  const context = { port, dir };
  for (const [name, content] of Object.entries(options.files ?? {})) writeFileSync(join(dir, name), content, { mode: 0o600 });
  const configPath = join(dir, "mosquitto.conf");
  writeFileSync(configPath, asCurrentUser() + (options.config ?? plainConfig)(context));

  let output = "";
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();

  const start = async () => {
    const proc = spawn(mosquittoBinary(), ["-c", configPath], { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
    child = proc;
    proc.stdout?.on("data", (d: Buffer) => (output += d.toString()));
    proc.stderr?.on("data", (d: Buffer) => (output += d.toString()));
    exited = new Promise((resolve) => proc.once("exit", () => resolve()));
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      if (proc.exitCode !== null) throw new Error(`mosquitto exited with ${proc.exitCode} on start:\n${output}`);
      if (await canConnect(port)) return;
      await new Promise((r) => setTimeout(r, 25));
    }
    proc.kill("SIGKILL");
    throw new Error(`mosquitto did not listen on ${port} within 10s:\n${output}`);
  };

  const signal = async (sig: NodeJS.Signals) => {
    if (child !== undefined && child.exitCode === null && child.signalCode === null) child.kill(sig);
    await exited;
  };

  await start();
  return {
    ...context,
    url: `mqtt://127.0.0.1:${port}`,
    log: () => output,
    stop: () => signal("SIGTERM"),
    kill: () => signal("SIGKILL"),
    start,
    dispose: async () => {
      await signal("SIGTERM");
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
