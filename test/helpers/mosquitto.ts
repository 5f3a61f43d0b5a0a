import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, mosquittoBinary, runnableConfig, Service } from "@edgefleet/tools";

export { freePort, mosquittoBinary };

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

const plainConfig = ({ port }: BrokerContext) => `listener ${port} 127.0.0.1\nallow_anonymous true\n`;

/** Runs a real Mosquitto broker on a free port with its own directory; resolves once it accepts connections. */
export async function startMosquitto(options: MosquittoOptions = {}): Promise<Mosquitto> {
  const dir = mkdtempSync(join(tmpdir(), "edgefleet-mosquitto-"));
  const port = options.port ?? (await freePort());
  const context = { port, dir };
  for (const [name, content] of Object.entries(options.files ?? {})) writeFileSync(join(dir, name), content, { mode: 0o600 });
  const configPath = join(dir, "mosquitto.conf");
  writeFileSync(configPath, runnableConfig((options.config ?? plainConfig)(context)));
  const service = new Service({
    name: "mosquitto",
    command: mosquittoBinary(),
    args: ["-c", configPath],
    cwd: dir,
    readiness: { tcpPort: port },
  });
  await service.start();
  return {
    ...context,
    url: `mqtt://127.0.0.1:${port}`,
    log: () => service.output(),
    stop: () => service.stop(),
    kill: () => service.kill(),
    start: () => service.start(),
    dispose: async () => {
      await service.dispose();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
