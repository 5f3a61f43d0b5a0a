import { execFile, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdirSync, openSync, writeFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { forEachLimited, type Logger } from "@edgefleet/kit";
import type { Toolchain } from "../cluster/toolchain.js";
import { LOCAL_HOST, localPki } from "../platform/pki.js";
import { freePort } from "../services/ports.js";
import { Service } from "../services/service.js";
import { RUN_MARKER, stopMarked } from "./processes.js";

/** edgefleet's Flower app (a directory `flwr run` packs and submits). */
export const APP_DIR = fileURLToPath(new URL("app", import.meta.url));
/** digits.py, which the app imports: the model builds' MLP. */
const MODEL_BUILD_DIR = fileURLToPath(new URL("../model-build", import.meta.url));
/** Where the Flower commands are: the toolchain's federated venv, or a trainer image's (trainer.ts). */
export type Binaries = Pick<Toolchain, "bin">;

/** The name of the SuperLink connection in the Flower CLI's config. */
const CONNECTION = "edgefleet";

/** A SuperLink and SuperNodes, one per device, each a process of its own. */
export interface Federation {
  /** Submits the app with this run config and streams its logs to DIR/flwr-run.log until the run ends. */
  run(runConfig: string): Promise<void>;
  close(): Promise<void>;
}

export interface FederationOptions {
  readonly toolchain: Toolchain;
  readonly devices: number;
  /** Logs, Flower's home and the TLS files go here. */
  readonly dir: string;
  /** Where every device appends what it received and sent (traffic.py). */
  readonly trafficFile: string;
  /** How the training images are shared out over the devices (shards.py), each share written to DIR/devices. */
  readonly split: Split;
  readonly tls: boolean;
  readonly log: Logger;
}

export interface Split {
  /** Dirichlet concentration over the devices, per class: small is non-IID. */
  readonly alpha: number;
  readonly seed: number;
}

/** Starting 20 Python processes at once on 2 cores takes a while. */
const START_TIMEOUT_MS = 300_000;

/**
 * The environment of every Flower process: Flower starts flower-superexec, flwr-serverapp and
 * flwr-clientapp by name, so the toolchain's wrappers of the federated venv come first on PATH; the
 * app imports digits.py; the run's marker (processes.ts) tells its processes apart; no telemetry
 * leaves the machine; Flower's state stays in the run's directory.
 */
export function flowerEnv(toolchain: Binaries, home: string, marker: string): NodeJS.ProcessEnv {
  return {
    ...process.env,
    [RUN_MARKER]: marker,
    PATH: `${dirname(toolchain.bin("flower-superexec"))}:${process.env.PATH ?? ""}`,
    PYTHONPATH: MODEL_BUILD_DIR,
    FLWR_HOME: home,
    FLWR_TELEMETRY_ENABLED: "0",
    // Dozens of app processes at once, each training a small MLP: NumPy's BLAS threads, one per core
    // in each, would only contend.
    OMP_NUM_THREADS: "1",
    OPENBLAS_NUM_THREADS: "1",
  };
}

/** Each device's share of the training images, one file per device in DIR (shards.py): the data it holds. */
export async function writeShards(toolchain: Binaries, dir: string, devices: number, split: Split): Promise<string[]> {
  await promisify(execFile)(
    toolchain.bin("federated-python"),
    ["-m", "edgefleet_fl.shards", dir, String(devices), String(split.alpha), String(split.seed)],
    { env: { ...process.env, PYTHONPATH: `${APP_DIR}:${MODEL_BUILD_DIR}` } },
  );
  return Array.from({ length: devices }, (_, device) => join(dir, `device-${device}.npz`));
}

/**
 * The kernel stops the child when this process dies, however it dies (util-linux's setpriv sets the
 * parent-death signal), as the fleet simulator runs its runtimes; Flower's own children
 * (flower-superexec, the app processes) watch their parent's pid and exit with it.
 */
const orphanProof = (command: string, args: readonly string[]) => ({
  command: "setpriv",
  args: ["--pdeathsig", "TERM", "--", command, ...args],
});

export async function startFederation(o: FederationOptions): Promise<Federation> {
  const home = join(o.dir, "flower-home");
  mkdirSync(home, { recursive: true });
  const marker = randomUUID();
  const env = flowerEnv(o.toolchain, home, marker);
  const port = await freePort();
  const host = o.tls ? LOCAL_HOST : "127.0.0.1";
  const services: Service[] = [];
  const shards = await writeShards(o.toolchain, join(o.dir, "devices"), o.devices, o.split);
  // Every process of the run at once, the SuperLink and SuperNodes among them: stopping those first
  // and one by one takes longer than a loaded machine's shutdown allows, and leaves their app
  // processes without a parent to watch. The services are stopped alongside, which also keeps a
  // SuperNode from being restarted meanwhile, and close their logs.
  const close = async () => {
    await Promise.all([stopMarked(marker), ...services.map((s) => s.dispose())]);
  };
  const tls = o.tls ? flowerTls(o.dir) : INSECURE;
  const { nodeTls, cliTls } = tls;
  try {
    for (const service of await superLink(o.toolchain, env, o.dir, port, tls)) {
      services.push(service);
      await service.start();
    }
    o.log.info("SuperLink ready", { address: `${host}:${port}`, tls: o.tls });
    // A few at a time, each until its Runtime API listens (most of its start's CPU, Flower's imports):
    // 100 started at once on 2 cores held the load above 70 for ten minutes, their TLS handshakes
    // with the SuperLink timed out, and the SuperNodes that gave up joining were started again,
    // over and over, so the run never saw all its devices at once.
    await forEachLimited(
      Array.from({ length: o.devices }, (_, device) => device),
      availableParallelism(),
      async (device) => {
        const runtimePort = await freePort();
        const node = superNode(o.toolchain, env, {
          name: `Flower SuperNode ${device}`,
          logFile: join(o.dir, `supernode-${device}.log`),
          superlink: `${host}:${port}`,
          runtimePort,
          tls: nodeTls,
          nodeConfig: `partition-id=${device} num-partitions=${o.devices} data-file=${JSON.stringify(shards[device])} traffic-file=${JSON.stringify(o.trafficFile)}`,
        });
        services.push(node);
        await node.start();
      },
    );
    o.log.info("SuperNodes started", { devices: o.devices });
  } catch (err) {
    await close();
    throw err;
  }
  return { close, run: (runConfig) => submitRun(o.toolchain, env, o.dir, `${host}:${port}`, cliTls, runConfig) };
}

/** The flags of the SuperLink and SuperNodes and the Flower CLI's config line, for TLS or plain HTTP. */
export interface FlowerTls {
  linkTls: string[];
  nodeTls: string[];
  cliTls: string;
}

export const INSECURE: FlowerTls = { linkTls: ["--insecure"], nodeTls: ["--insecure"], cliTls: "insecure = true" };

/**
 * A SuperLink certificate from a throwaway CA (the local platform's PKI, its seed in DIR/tls) for
 * host, where the SuperNodes dial it, and the flags that use it; caPem is the CA the SuperNodes trust.
 */
export function flowerTls(dir: string, host: string = LOCAL_HOST): FlowerTls & { caPem: string } {
  const pki = localPki(join(dir, "tls"));
  // The CLI dials localhost; the SuperLink's own SuperExec dials 127.0.0.1.
  const names = [...new Set([host, LOCAL_HOST, "127.0.0.1"])];
  const server = pki.write("superlink", pki.issue(host, names));
  return {
    caPem: pki.caPem,
    linkTls: ["--ssl-certfile", server.cert, "--ssl-keyfile", server.key, "--ssl-ca-certfile", pki.caFile],
    nodeTls: ["--root-certificates", pki.caFile],
    cliTls: `root-certificates = ${JSON.stringify(pki.caFile)}`,
  };
}

/**
 * A Flower SuperLink on bind:port (127.0.0.1 unless a pod's SuperNodes dial it from other hosts),
 * its Fleet, Control and Runtime APIs (Flower serves them on one port) under tls, and the
 * SuperExec that launches its ServerApp processes, to be started in that order. The SuperExec is a
 * service of its own, restarted when it exits: left to the SuperLink (its default `--isolation
 * subprocess`), one that gave up dialling a starved SuperLink (Flower's 3 tries in about 85 s, seen
 * with 100 devices starting on 2 cores) was never started again, and the run waited for ever.
 */
export async function superLink(
  toolchain: Binaries,
  env: NodeJS.ProcessEnv,
  dir: string,
  port: number,
  tls: FlowerTls,
  bind = "127.0.0.1",
): Promise<readonly [link: Service, superExec: Service]> {
  const link = new Service({
    name: "Flower SuperLink",
    ...orphanProof(
      toolchain.bin("flower-superlink"),
      [
        ...tls.linkTls,
        ["--host", bind, "--port", String(port)],
        ["--isolation", "process"],
        // Offline: the app's dependencies are the federated venv's, never installed at run time.
        "--disable-runtime-dependency-installation",
      ].flat(),
    ),
    env,
    logFile: join(dir, "superlink.log"),
    readiness: { tcpPort: port },
    startTimeoutMs: START_TIMEOUT_MS,
    stopTimeoutMs: 10_000,
  });
  // Its gRPC health service is the one port it opens: ready once it listens.
  const healthPort = await freePort();
  const superExec = new Service({
    name: "Flower SuperLink's SuperExec",
    ...orphanProof(
      toolchain.bin("flower-superexec"),
      [
        // It dials the address the SuperLink binds, with the trust the SuperNodes have.
        ...tls.nodeTls,
        ["--runtime-api-address", `127.0.0.1:${port}`],
        ["--health-server-address", `127.0.0.1:${healthPort}`],
      ].flat(),
    ),
    env,
    logFile: join(dir, "superexec.log"),
    readiness: { tcpPort: healthPort },
    restartOnExit: true,
    startTimeoutMs: START_TIMEOUT_MS,
    stopTimeoutMs: 10_000,
  });
  return [link, superExec];
}

/** A device's Flower SuperNode, dialling superlink (host:port); runtimePort serves its app processes. */
export function superNode(
  toolchain: Binaries,
  env: NodeJS.ProcessEnv,
  o: { name: string; logFile: string; superlink: string; runtimePort: number; tls: readonly string[]; nodeConfig: string },
): Service {
  return new Service({
    name: o.name,
    ...orphanProof(
      toolchain.bin("flower-supernode"),
      [
        ...o.tls,
        ["--superlink", o.superlink],
        // Its Runtime API, which its app processes fetch their messages from.
        ["--host", "127.0.0.1", "--port", String(o.runtimePort)],
        ["--node-config", o.nodeConfig],
      ].flat(),
    ),
    env,
    logFile: o.logFile,
    readiness: { tcpPort: o.runtimePort },
    // On a loaded machine a SuperNode can give up joining the SuperLink (Flower's exit 305,
    // its activation refused after a register that timed out) and exit after its Runtime API
    // was up: started again it joins as a new node, as a rebooted device would, where the
    // run would otherwise wait for it for ever.
    restartOnExit: true,
    startTimeoutMs: START_TIMEOUT_MS,
    stopTimeoutMs: 10_000,
  });
}

/**
 * Submits edgefleet's app to the SuperLink at address (the Flower CLI's config in env's FLWR_HOME
 * names it; cliTls is its TLS line) and streams its logs to DIR/flwr-run.log until the run ends.
 */
export function submitRun(
  toolchain: Binaries,
  env: NodeJS.ProcessEnv,
  dir: string,
  address: string,
  cliTls: string,
  runConfig: string,
): Promise<void> {
  writeFileSync(
    join(env.FLWR_HOME ?? dir, "config.toml"),
    `# Written by edgefleet: the SuperLink it started.\n[superlink]\ndefault = "${CONNECTION}"\n\n[superlink.${CONNECTION}]\naddress = "${address}"\n${cliTls}\n`,
  );
  const out = openSync(join(dir, "flwr-run.log"), "a");
  const { command, args } = orphanProof(toolchain.bin("flwr"), ["run", APP_DIR, CONNECTION, "--stream", "--run-config", runConfig]);
  const child = spawn(command, args, { env, stdio: ["ignore", out, out] });
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code, signal) =>
      code === 0 ? resolve() : reject(new Error(`flwr run exited with ${code ?? signal}: see ${join(dir, "flwr-run.log")}`)),
    );
  });
}
