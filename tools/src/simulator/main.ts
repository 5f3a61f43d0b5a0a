// The fleet simulator: a real edge agent and real runtimes (CPU, OpenVINO) for every node of the local cluster.
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { command, jsonLogger, type Level, LOG_LEVEL_FLAG, listen, optionsOrExitCode, type Parsed, probeServer } from "@edgefleet/kit";
import { KubeClient, loadCredentials } from "@edgefleet/kube";
import { Registry } from "prom-client";
import { DEFAULT_CLUSTER, kubeconfigPath, stateDir } from "../cluster/paths.js";
import { localPki } from "../platform/pki.js";
import { FleetSimulation } from "./fleet-sim.js";

const CLI = command({
  usage: "tools/edgefleet simulate [options]",
  about: `Simulates the edge devices behind the local cluster's kwok nodes, with edgefleet's real code:
for every fleet node, the edge agent (simulated power and thermal sensors, a durable spool,
MQTT to the broker); for every runtime pod the operator schedules on a node, the verified
artifact install into that node's cache and the CPU runtime serving the file, probed by the
agent so the inference latency in telemetry is measured, not made up. OpenVINO variants (the
catalog's openvino runtime, e.g. on intel-nuc nodes) are served by edgefleet's OpenVINO runtime,
the real OpenVINO runtime on this CPU, from IR artifacts (a tar of model.xml and model.bin);
TensorRT and TFLite variants by the CPU runtime: the simulator has no such hardware, so their
artifacts must be ONNX files. Needs the toolchain's venv-python. Runs until SIGINT/SIGTERM.`,
  flags: {
    kubeconfig: { type: "string", arg: "FILE", defaultText: "the local cluster's kubeconfig", help: "the cluster" },
    "broker-url": {
      type: "url",
      schemes: ["mqtt", "mqtts"],
      example: "mqtts://HOST:PORT",
      default: "mqtt://127.0.0.1:1883",
      help: "the broker",
    },
    "pki-dir": {
      type: "string",
      arg: "DIR",
      help: "the local platform's CA (tools/src/platform/pki.ts): each device gets a client certificate for the broker (CN = node name) and trusts the CA for the broker and the artifact registry; without it, plain MQTT",
    },
    dir: { type: "string", arg: "DIR", defaultText: "<state dir>/simulator", help: "per-node spools and artifact caches" },
    interval: { type: "duration", default: "1s", help: "telemetry interval" },
    "probe-interval": { type: "duration", default: "500ms", help: "how often each runtime is probed" },
    "evaluation-samples": {
      type: "integer",
      arg: "N",
      min: 0,
      default: "4",
      help: "labelled samples of a variant's evaluation data each probe sends and scores, as the agent's flag",
    },
    keepalive: { type: "seconds", max: 65_535, default: "10", help: "MQTT keepalive of every agent" },
    "http-address": { type: "address", default: "127.0.0.1:9102", help: "/healthz and /readyz; ready once every node is simulated" },
    "node-selector": { type: "string", arg: "SELECTOR", default: "edgefleet.io/fleet-profile", help: "which nodes to simulate" },
    "build-node": {
      type: "string",
      arg: "NAME",
      help: "also register a build node of this name (label edgefleet.io/build-node=true, tainted edgefleet.io/build-node:NoSchedule, so no model is placed on it) and run its EdgeModelBuild pods as tools/edgefleet model job processes; a build runs there with that nodeSelector and spec.tolerations [{key: edgefleet.io/build-node, operator: Exists, effect: NoSchedule}]",
    },
    "log-level": LOG_LEVEL_FLAG,
  },
});

export const HELP = CLI.help;

export interface SimulatorOptions {
  kubeconfig: string;
  brokerUrl: string;
  pkiDir: string | undefined;
  httpAddress: string;
  dir: string;
  intervalMs: number;
  probeIntervalMs: number;
  evaluationSamples: number;
  keepaliveSeconds: number;
  nodeSelector: string;
  buildNode: string | undefined;
  logLevel: Level;
}

export function parseOptions(argv: string[], env: NodeJS.ProcessEnv = process.env): Parsed<SimulatorOptions> {
  return CLI.parse(argv, (v) => ({
    kubeconfig: v.kubeconfig ?? kubeconfigPath(DEFAULT_CLUSTER, env),
    brokerUrl: v["broker-url"],
    pkiDir: v["pki-dir"],
    httpAddress: v["http-address"],
    dir: v.dir ?? join(stateDir(env), "simulator"),
    intervalMs: v.interval,
    probeIntervalMs: v["probe-interval"],
    evaluationSamples: v["evaluation-samples"],
    keepaliveSeconds: v.keepalive,
    nodeSelector: v["node-selector"],
    buildNode: v["build-node"],
    logLevel: v["log-level"],
  }));
}

async function main(): Promise<void> {
  const options = await optionsOrExitCode(HELP, () => parseOptions(process.argv.slice(2)));
  if (typeof options === "number") {
    process.exitCode = options;
    return;
  }
  const log = jsonLogger({ level: options.logLevel }).with({ component: "fleet-simulator" });
  mkdirSync(options.dir, { recursive: true });
  const pki = options.pkiDir === undefined ? undefined : localPki(options.pkiDir);
  const client = new KubeClient({ credentials: await loadCredentials(options.kubeconfig), qps: 20, burst: 40 });
  const simulation = new FleetSimulation({
    client,
    nodeSelector: options.nodeSelector,
    ...(options.buildNode ? { buildNode: options.buildNode } : {}),
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
      runtimeAssignments: false,
      probeIntervalMs: options.probeIntervalMs,
      evaluationSamples: options.evaluationSamples,
      evaluationMaxBytes: 16 * 1024 * 1024,
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
