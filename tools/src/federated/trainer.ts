/**
 * edgefleet's federated trainer: the program of the federated-trainer image, which runs a
 * FederatedTraining's pods on real nodes by their contract (packages/api federated-pods.ts), as
 * the fleet simulator runs them for kwok nodes (tools/src/simulator/fl-pods.ts):
 *
 * - `coordinator`: makes a CA of its own and a certificate for the SuperLink's Service name,
 *   writes the CA into the job's progress ConfigMap (client pods mount it), runs a Flower SuperLink
 *   with its Fleet API on the pod's port, submits edgefleet's Flower app (the digits MLP) with the
 *   job's settings, copies the app's rounds and result into the ConfigMap, and with spec.build
 *   signs and pushes the trained model; exits 0 once the result is written, 1 with the reason
 *   (its termination message) when the run fails.
 * - `client`: writes the device's share of the digits data (its partition; a real device would
 *   bring its own) and runs a Flower SuperNode dialling the coordinator over TLS, trusting only
 *   the mounted CA, until the pod is deleted.
 */
import { randomUUID } from "node:crypto";
import { accessSync, constants, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { FEDERATED_CLIENT_TLS, FEDERATED_ENV, type FederatedJobConfig, PROGRESS_KEYS } from "@edgefleet/api";
import {
  command,
  errorMessage,
  exponentialBackoff,
  jsonLogger,
  type Level,
  LOG_LEVEL_FLAG,
  type Logger,
  onShutdown,
  optionsOrExitCode,
  Periodic,
} from "@edgefleet/kit";
import { KubeClient, loadCredentials } from "@edgefleet/kube";
import { LOCAL_HOST } from "../platform/pki.js";
import { freePort } from "../services/ports.js";
import { type Binaries, flowerEnv, flowerTls, submitRun, superLink, superNode, writeShards } from "./flower.js";
import { handOffFromPod } from "./handoff.js";
import { jobRun } from "./job-run.js";
import { ProgressReport, patchProgress } from "./progress.js";

const ROLES = ["coordinator", "client"] as const;
type Role = (typeof ROLES)[number];

export const TRAINER = command({
  usage: ["trainer coordinator [flags]", "trainer client [flags]"],
  about:
    "Runs a FederatedTraining's coordinator or client pod (the operator starts them with one of the two), its settings read from the environment the operator gives the pod (EDGEFLEET_FL_*).",
  positionals: true,
  flags: {
    python: {
      type: "string",
      env: "EDGEFLEET_VENV_PYTHON",
      default: "/opt/venv/bin/python",
      help: "the federated venv's interpreter; Flower's commands are beside it",
    },
    work: { type: "string", default: "/tmp/edgefleet-fl", help: "a writable directory for Flower's state, TLS files and logs" },
    "log-level": LOG_LEVEL_FLAG,
  },
});

export interface TrainerOptions {
  role: Role;
  python: string;
  work: string;
  logLevel: Level;
}

/** Where the kubelet puts the pod's namespace (its ServiceAccount's), which the API calls name. */
const NAMESPACE_FILE = "/var/run/secrets/kubernetes.io/serviceaccount/namespace";
/** What the kubelet shows as the container's termination message (the job's status quotes it). */
const TERMINATION_LOG = "/dev/termination-log";
const REPORT_INTERVAL_MS = 1000;

/** A variable of the pod's environment, or an error naming it. */
function required(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name];
  if (!value) throw new Error(`${name} is not set: this program runs in the pods the edgefleet operator creates for a FederatedTraining`);
  return value;
}

function jobOf(env: NodeJS.ProcessEnv): FederatedJobConfig {
  const text = required(env, FEDERATED_ENV.job);
  try {
    return JSON.parse(text) as FederatedJobConfig;
  } catch (err) {
    throw new Error(`${FEDERATED_ENV.job} is not JSON: ${errorMessage(err)}`);
  }
}

/** host and port of EDGEFLEET_FL_SUPERLINK (host:port). */
function superlinkOf(env: NodeJS.ProcessEnv): { address: string; host: string; port: number } {
  const address = required(env, FEDERATED_ENV.superlink);
  const match = /^(.+):(\d+)$/.exec(address);
  if (!match) throw new Error(`${FEDERATED_ENV.superlink} is ${address}: give host:port`);
  return { address, host: match[1] ?? "", port: Number(match[2]) };
}

/** The venv's commands, where Flower's flower-* and flwr are (beside its python). */
const binaries = (python: string): Binaries => ({
  bin: (name) => (name === "federated-python" ? python : join(dirname(python), name)),
});

/** The last lines of a log file, for an error that would otherwise only name it. */
function tail(file: string, lines = 15): string {
  if (!existsSync(file)) return "";
  return readFileSync(file, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
}

/**
 * Fails at once, saying what to do, when the output directory (spec.output.path, a hostPath) is not
 * this user's to write: a kubelet creates a missing one owned by root, and the app would only fail
 * after its first round.
 */
function writable(dir: string): void {
  const uid = process.getuid?.();
  try {
    mkdirSync(dir, { recursive: true });
    accessSync(dir, constants.W_OK);
  } catch (err) {
    throw new Error(
      `spec.output.path ${dir} is not writable by this container's user (uid ${uid}): create it on the coordinator's node owned by that uid (install -d -o ${uid} -g ${uid} ${dir}), or choose a directory that is (${errorMessage(err)})`,
    );
  }
}

async function coordinator(o: TrainerOptions, log: Logger, env: NodeJS.ProcessEnv): Promise<void> {
  const job = jobOf(env);
  const configMap = required(env, FEDERATED_ENV.progressConfigMap);
  const { host, port } = superlinkOf(env);
  const namespace = readFileSync(NAMESPACE_FILE, "utf8").trim();
  const client = new KubeClient({ credentials: await loadCredentials(undefined, env) });
  const bins = binaries(o.python);
  // Before anything starts: a client pod given the CA would otherwise train for a coordinator that cannot write.
  writable(job.output);
  mkdirSync(o.work, { recursive: true });
  const tls = flowerTls(o.work, host);
  // Written before the Fleet API listens: the client pods' kubelets start them once it is there.
  const backoff = exponentialBackoff({ baseMs: 500, maxMs: 10_000 });
  for (let attempt = 0; ; attempt++) {
    try {
      await patchProgress(client, namespace, configMap, { [PROGRESS_KEYS.superlinkCa]: tls.caPem });
      break;
    } catch (err) {
      if (attempt >= 9) throw new Error(`the SuperLink's CA could not be written into ConfigMap ${configMap}: ${errorMessage(err)}`);
      log.warn("SuperLink CA not written; will retry", { error: errorMessage(err) });
      await new Promise((resolve) => setTimeout(resolve, backoff(attempt)));
    }
  }
  const flower = flowerEnv(bins, join(o.work, "flower-home"), randomUUID());
  const services = await superLink(bins, flower, o.work, port, tls, "0.0.0.0");
  for (const f of [PROGRESS_KEYS.rounds, PROGRESS_KEYS.result]) rmSync(join(job.output, f), { force: true });
  const build = job.build;
  const report = new ProgressReport({
    client,
    namespace,
    configMap,
    out: job.output,
    podOut: job.output,
    ...(build
      ? { handOff: () => handOffFromPod({ build, out: job.output, read: (dir, file) => readFile(join(dir, file), "utf8"), env }) }
      : {}),
    log,
  });
  const reporting = new Periodic({
    intervalMs: REPORT_INTERVAL_MS,
    run: async () => void (await report.report()),
    failed: (err) => log.warn("progress report failed", { error: errorMessage(err) }),
  });
  try {
    for (const service of services) await service.start();
    log.info("SuperLink ready", { fleetApi: `0.0.0.0:${port}`, certificateFor: host, devices: job.devices, rounds: job.rounds });
    reporting.start();
    const { config } = jobRun(job, job.output);
    try {
      await submitRun(bins, flower, o.work, `${LOCAL_HOST}:${port}`, tls.cliTls, config);
    } catch (err) {
      const logs = ["flwr-run.log", "superlink.log"].map((f) => `--- ${f}:\n${tail(join(o.work, f))}`).join("\n");
      throw new Error(`the federated run failed: ${errorMessage(err)}\n${logs}`);
    }
    await reporting.stop();
    // The result (with the hand-off's outcome) until it is in the ConfigMap: the operator reads it as final.
    while (!(await report.report())) await new Promise((resolve) => setTimeout(resolve, REPORT_INTERVAL_MS));
    log.info("training finished; result written", { configMap });
  } finally {
    await reporting.stop();
    await Promise.all(services.map((s) => s.dispose()));
  }
}

async function clientRole(o: TrainerOptions, log: Logger, env: NodeJS.ProcessEnv): Promise<void> {
  const job = jobOf(env);
  const { address } = superlinkOf(env);
  const partition = Number(required(env, FEDERATED_ENV.partition));
  if (!Number.isInteger(partition) || partition < 0) throw new Error(`${FEDERATED_ENV.partition} must be a whole number from 0`);
  const ca = join(FEDERATED_CLIENT_TLS.dir, FEDERATED_CLIENT_TLS.file);
  if (!existsSync(ca))
    throw new Error(`no CA at ${ca}: the pod mounts its job's progress ConfigMap key ${PROGRESS_KEYS.superlinkCa} there`);
  const bins = binaries(o.python);
  mkdirSync(o.work, { recursive: true });
  // The device's data: its share of the digits images (a device that joined later, partition past
  // the starting devices, trains on a copy of one of those shares, as in the simulator).
  const shards = await writeShards(bins, join(o.work, "devices"), job.devices, jobRun(job, o.work).split);
  const shard = shards[partition % shards.length];
  const flower = flowerEnv(bins, join(o.work, "flower-home"), randomUUID());
  const node = superNode(bins, flower, {
    name: `Flower SuperNode ${partition}`,
    logFile: "/dev/stdout",
    superlink: address,
    runtimePort: await freePort(),
    tls: ["--root-certificates", ca],
    nodeConfig: `partition-id=${partition} num-partitions=${job.devices} data-file=${JSON.stringify(shard)}`,
  });
  await node.start();
  log.info("SuperNode started", { superlink: address, partition });
  await onShutdown({ log, timeoutMs: 20_000, stop: () => node.dispose() });
}

/** Runs the role; resolves to the process's exit code. */
export async function runTrainer(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const parsed = await optionsOrExitCode(TRAINER.help, () =>
    TRAINER.parse(
      argv,
      (v, positionals): TrainerOptions => {
        const [role, ...rest] = positionals;
        if (!ROLES.includes(role as Role) || rest.length > 0) throw new Error(`give one role: ${ROLES.join(" or ")}`);
        return { role: role as Role, python: v.python, work: v.work, logLevel: v["log-level"] };
      },
      env,
    ),
  );
  if (typeof parsed === "number") return parsed;
  const log = jsonLogger({ level: parsed.logLevel }).with({ role: parsed.role });
  try {
    if (parsed.role === "coordinator") await coordinator(parsed, log, env);
    else await clientRole(parsed, log, env);
    return 0;
  } catch (err) {
    const message = errorMessage(err);
    log.error("trainer failed", { error: message });
    // The kubelet's file for it, in a pod; the job's status says why from it.
    if (existsSync(TERMINATION_LOG)) writeFileSync(TERMINATION_LOG, message.slice(-4096), { flag: "w" });
    return 1;
  }
}
