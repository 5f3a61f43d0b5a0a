// The fleet simulator: a real edge agent and real CPU runtimes for every node of the local cluster.
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { parseDuration } from "@edgefleet/edge-agent";
import { jsonLogger, LEVELS, type Level, listen, probeServer } from "@edgefleet/kit";
import { KubeClient, loadCredentials } from "@edgefleet/kube";
import { Registry } from "prom-client";
import { DEFAULT_CLUSTER, kubeconfigPath, stateDir } from "../cluster/paths.js";
import { localPki } from "../platform/pki.js";
import { FleetSimulation } from "./fleet-sim.js";

export const HELP = `Usage: tools/edgefleet simulate [options]

Simulates the edge devices behind the local cluster's kwok nodes, with edgefleet's real code:
for every fleet node, the edge agent (simulated power and thermal sensors, a durable spool,
MQTT to the broker); for every runtime pod the operator schedules on a node, the verified
artifact install into that node's cache and the CPU runtime serving the file, probed by the
agent so the inference latency in telemetry is measured, not made up. Accelerator variants
(TensorRT, TFLite, OpenVINO) are served by the CPU runtime too: the simulator has no such
hardware, so their artifacts must be ONNX files. Runs until SIGINT/SIGTERM.

Options:
  --kubeconfig FILE         the cluster (default: the local cluster's kubeconfig)
  --broker-url URL          mqtt://HOST:PORT or mqtts://HOST:PORT (default: mqtt://127.0.0.1:1883)
  --pki-dir DIR             the local platform's CA (tools/src/platform/pki.ts): each device gets a
                            client certificate for the broker (CN = node name) and trusts the CA
                            for the broker and the artifact registry; without it, plain MQTT
  --dir DIR                 per-node spools and artifact caches (default: <state dir>/simulator)
  --interval DUR            telemetry interval (default: 1s)
  --probe-interval DUR      how often each runtime is probed (default: 500ms)
  --keepalive SECONDS       MQTT keepalive of every agent (default: 10)
  --http-address HOST:PORT  /healthz and /readyz (ready once every node is simulated; default: 127.0.0.1:9102)
  --node-selector SELECTOR  which nodes to simulate (default: edgefleet.io/fleet-profile)
  --log-level LEVEL         ${LEVELS.join(", ")} (default: info)
  -h, --help                this help`;

export interface SimulatorOptions {
  kubeconfig: string;
  brokerUrl: string;
  pkiDir: string | undefined;
  httpAddress: string;
  dir: string;
  intervalMs: number;
  probeIntervalMs: number;
  keepaliveSeconds: number;
  nodeSelector: string;
  logLevel: Level;
}

export function parseOptions(argv: string[], env: NodeJS.ProcessEnv = process.env): SimulatorOptions | "help" {
  const { values: v } = parseArgs({
    args: argv,
    strict: true,
    options: {
      kubeconfig: { type: "string" },
      "broker-url": { type: "string", default: "mqtt://127.0.0.1:1883" },
      "pki-dir": { type: "string" },
      "http-address": { type: "string", default: "127.0.0.1:9102" },
      dir: { type: "string" },
      interval: { type: "string", default: "1s" },
      "probe-interval": { type: "string", default: "500ms" },
      keepalive: { type: "string", default: "10" },
      "node-selector": { type: "string", default: "edgefleet.io/fleet-profile" },
      "log-level": { type: "string", default: "info" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (v.help) return "help";
  if (!/^mqtts?:\/\//.test(v["broker-url"]))
    throw new Error(`--broker-url must be mqtt://HOST:PORT or mqtts://HOST:PORT, got "${v["broker-url"]}"`);
  const keepaliveSeconds = Number(v.keepalive);
  if (!Number.isSafeInteger(keepaliveSeconds) || keepaliveSeconds < 1 || keepaliveSeconds > 65_535)
    throw new Error(`--keepalive must be whole seconds from 1 to 65535, got "${v.keepalive}"`);
  const logLevel = v["log-level"] as Level;
  if (!LEVELS.includes(logLevel)) throw new Error(`--log-level must be one of ${LEVELS.join(", ")}, got "${v["log-level"]}"`);
  return {
    kubeconfig: v.kubeconfig ?? kubeconfigPath(DEFAULT_CLUSTER, env),
    brokerUrl: v["broker-url"],
    pkiDir: v["pki-dir"],
    httpAddress: v["http-address"],
    dir: v.dir ?? join(stateDir(env), "simulator"),
    intervalMs: parseDuration("interval", v.interval),
    probeIntervalMs: parseDuration("probe-interval", v["probe-interval"]),
    keepaliveSeconds,
    nodeSelector: v["node-selector"],
    logLevel,
  };
}

async function main(): Promise<void> {
  let options: SimulatorOptions | "help";
  try {
    options = parseOptions(process.argv.slice(2));
  } catch (err) {
    console.error(`${(err as Error).message}\n\n${HELP}`);
    process.exit(2);
  }
  if (options === "help") {
    console.log(HELP);
    return;
  }
  const log = jsonLogger({ level: options.logLevel }).with({ component: "fleet-simulator" });
  mkdirSync(options.dir, { recursive: true });
  const pki = options.pkiDir === undefined ? undefined : localPki(options.pkiDir);
  const client = new KubeClient({ credentials: await loadCredentials(options.kubeconfig), qps: 20, burst: 40 });
  const simulation = new FleetSimulation({
    client,
    nodeSelector: options.nodeSelector,
    dir: options.dir,
    fetchers: pki ? { https: { ca: readFileSync(pki.caFile, "utf8") } } : {},
    identity: pki ? (node, dir) => ({ ca: pki.caFile, ...pki.write("client", pki.issue(node), dir) }) : undefined,
    probeIntervalMs: options.probeIntervalMs,
    log,
    agent: {
      arch: undefined,
      accelerators: undefined,
      brokerUrl: options.brokerUrl,
      tls: {},
      keepaliveSeconds: options.keepaliveSeconds,
      reconnectMinDelayMs: 500,
      reconnectMaxDelayMs: 10_000,
      maxInFlight: 32,
      spoolMaxBytes: 4 * 1024 * 1024,
      intervalMs: options.intervalMs,
      sensors: ["simulated"],
      sysfsRoot: "/",
      inferenceTargets: undefined,
      discoverRuntimes: false,
      kubeconfig: undefined,
      probeIntervalMs: options.probeIntervalMs,
      drainTimeoutMs: 2_000,
      logLevel: options.logLevel,
    },
  });
  let ready = false;
  const server = probeServer({ registry: new Registry(), healthy: () => true, ready: () => ready });
  await listen(server, options.httpAddress);
  await simulation.start();
  ready = true;
  log.info("simulating", { nodes: simulation.serving().size });
  const stop = async (signal: string) => {
    log.info("stopping", { signal });
    await simulation.stop();
    client.close();
    server.close();
    process.exit(0);
  };
  process.once("SIGINT", () => void stop("SIGINT"));
  process.once("SIGTERM", () => void stop("SIGTERM"));
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
