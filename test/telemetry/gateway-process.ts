import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { join } from "node:path";
import { gatewayMqttIdentity, RETIRE_MQTT_IDENTITY } from "@edgefleet/stacks";
import { SITE, type TlsBroker } from "./tls-broker.js";

const MAIN = join(import.meta.dirname, "../../packages/gateway/src/main.ts");
const RETIRE = join(import.meta.dirname, "../../packages/gateway/src/retire.ts");

/** The flags for the broker and an MQTT identity (a gateway replica's, or the retire command's). */
function brokerArgs(broker: TlsBroker, identity: string): string[] {
  const dir = broker.identityDir(identity);
  return [
    `--broker-url=${broker.url}`,
    `--tls-ca=${join(dir, "ca.crt")}`,
    `--tls-cert=${join(dir, "tls.crt")}`,
    `--tls-key=${join(dir, "tls.key")}`,
  ];
}

/** The gateway's retire command (packages/gateway/src/retire.ts) with its own identity, run to the end: its exit status and output. */
export function retireDevice(broker: TlsBroker, node: string): { status: number | null; output: string } {
  const args = ["--import", "tsx", RETIRE, ...brokerArgs(broker, RETIRE_MQTT_IDENTITY), `--site=${SITE}`, `--node=${node}`];
  const run = spawnSync(process.execPath, args, { encoding: "utf8", timeout: 30_000 });
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

export interface GatewayProcess {
  readonly port: number;
  /** GET /metrics, /healthz or /readyz: status and body. */
  get(path: string): Promise<{ status: number; body: string }>;
  metrics(): Promise<string>;
  /** Everything it logged (JSON lines). */
  log(): string;
  /** SIGTERM and wait. */
  stop(): Promise<void>;
  /** SIGKILL and wait. */
  kill(): Promise<void>;
}

export interface GatewayProcessOptions {
  readonly broker: TlsBroker;
  /**
   * Which replica's identity (gatewayMqttIdentity, 0 unless set) it presents: that CN is its MQTT
   * client id, so gateways running at once need different replicas, and one started again with a
   * replica's identity resumes that replica's session.
   */
  readonly replica?: number;
  /** "" for an unshared subscription. */
  readonly sharedGroup?: string;
  readonly keepaliveSeconds?: number;
  readonly extraArgs?: readonly string[];
}

/** The real gateway entry point (node --import tsx packages/gateway/src/main.ts) with a gateway replica's MQTT identity; resolves once /readyz says ready. */
export async function startGateway(options: GatewayProcessOptions): Promise<GatewayProcess> {
  const identity = gatewayMqttIdentity(options.replica ?? 0);
  const args = [
    "--import",
    "tsx",
    MAIN,
    ...brokerArgs(options.broker, identity),
    `--client-id=${identity}`,
    "--http-address=127.0.0.1:0",
    `--keepalive=${options.keepaliveSeconds ?? 5}`,
    ...(options.sharedGroup === undefined ? [] : [`--shared-group=${options.sharedGroup}`]),
    ...(options.extraArgs ?? []),
  ];
  const child: ChildProcess = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout?.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (output += d.toString()));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));

  const port = await new Promise<number>((resolve, reject) => {
    // Generous: under tsx a start transpiles the gateway first, which took over 15 s at load 18.
    const deadline = setTimeout(() => reject(new Error(`gateway did not start within 60s:\n${output}`)), 60_000);
    const check = () => {
      const m = /"msg":"serving \/metrics[^\n]*"port":(\d+)/.exec(output);
      if (m) {
        clearTimeout(deadline);
        resolve(Number(m[1]));
      } else if (child.exitCode !== null) {
        clearTimeout(deadline);
        reject(new Error(`gateway exited with ${child.exitCode}:\n${output}`));
      } else setTimeout(check, 25);
    };
    check();
  });
  const get = async (path: string) => {
    const res = await fetch(`http://127.0.0.1:${port}${path}`);
    return { status: res.status, body: await res.text() };
  };
  const deadline = Date.now() + 15_000;
  while ((await get("/readyz")).status !== 200) {
    if (Date.now() > deadline) throw new Error(`gateway not ready within 15s:\n${output}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const signal = async (sig: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(sig);
    await exited;
  };
  return {
    port,
    get,
    metrics: async () => (await get("/metrics")).body,
    log: () => output,
    stop: () => signal("SIGTERM"),
    kill: () => signal("SIGKILL"),
  };
}
