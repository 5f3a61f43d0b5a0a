import { randomBytes } from "node:crypto";
import { LOAD_KEY_ENV, LOAD_KEY_HEADER, MODEL_SERVER_ENV } from "@edgefleet/api";
import type { Logger } from "@edgefleet/kit";
import { freePort } from "../services/ports.js";
import { Service } from "../services/service.js";
import type { RuntimeProgram } from "./runtime-program.js";

/** One model version served by a real runtime (CPU or OpenVINO), in a process of its own, on a simulated node. */
export interface RuntimeInstance {
  readonly version: string;
  /** The version it serves the model under, when a model repository's (the pod's edgefleet.io/served-version). */
  readonly servedVersion?: string;
  readonly sha256: string;
  /** The runtime's Open Inference Protocol v2 base URL. */
  readonly baseUrl: string;
  /** For a model loader: the shared server (the pod's edgefleet.io/model-server) it loaded the model into. */
  readonly server?: string;
  close(): Promise<void>;
}

export interface RuntimeInstanceOptions {
  readonly namespace: string;
  readonly model: string;
  readonly version: string;
  readonly servedVersion?: string;
  readonly sha256: string;
  /** The verified file in the node's artifact cache. */
  readonly path: string;
  /** The bundled runtime that serves the artifact's format (programFor()). */
  readonly program: RuntimeProgram;
  /** The process's output is appended here. */
  readonly logFile: string;
  readonly log: Logger;
}

/** A free port can be taken by another process before the runtime binds it; a new one is tried. */
const START_ATTEMPTS = 3;

/**
 * Every runtime process of a simulated device: one intra-op thread, and latency on the process's
 * CPU clock: the fleet shares the machine's cores, and each device reports what it would measure
 * with one core to itself (packages/cpu-runtime/src/latency-clock.ts; the OpenVINO runtime adds its
 * worker's CPU time).
 */
const DEVICE_FLAGS = ["--intra-op-threads", "1", "--latency-clock", "process-cpu", "--log-level", "warn"];

interface ProgramStart {
  readonly name: string;
  readonly program: RuntimeProgram;
  /** The program's flags besides its own and the listening address. */
  readonly args: readonly string[];
  readonly env?: NodeJS.ProcessEnv;
  /** The path that answers 200 once it serves. */
  readonly readyPath: string;
  readonly logFile: string;
  readonly log: Logger;
}

/**
 * Starts a program as its own process, listening on a free local port, the way a device runs it:
 * one device's runtime crashing, collecting garbage or running a slow build does not stall
 * another's event loop. Resolves to its base URL and how to stop it.
 */
async function startOnFreePort(o: ProgramStart): Promise<{ baseUrl: string; close(): Promise<void> }> {
  for (let attempt = 1; ; attempt++) {
    const address = `127.0.0.1:${await freePort()}`;
    const service = new Service({
      name: o.name,
      // The kernel stops the process when the simulator dies, however it dies (util-linux's setpriv
      // sets the parent-death signal, then runs node): a killed simulator leaves no runtime behind.
      command: "setpriv",
      args: ["--pdeathsig", "TERM", "--", process.execPath, o.program.path, ...o.program.args, ...o.args, "--http-address", address],
      ...(o.env ? { env: { ...process.env, ...o.env } } : {}),
      logFile: o.logFile,
      readiness: { httpUrl: `http://${address}${o.readyPath}` },
      startTimeoutMs: 60_000,
      stopTimeoutMs: 5_000,
    });
    try {
      await service.start();
    } catch (err) {
      await service.dispose();
      if (attempt === START_ATTEMPTS) throw err;
      o.log.warn("runtime did not start; retrying on another port", { name: o.name, error: String(err) });
      continue;
    }
    return { baseUrl: `http://${address}`, close: () => service.dispose() };
  }
}

/** Starts the runtime serving the artifact, as a runtime pod's container does. */
export async function startRuntimeInstance(options: RuntimeInstanceOptions): Promise<RuntimeInstance> {
  // OIP v2 names the model without its namespace: one runtime serves one model of one namespace.
  const name = options.model;
  const started = await startOnFreePort({
    name: `runtime ${options.namespace}/${name}@${options.version}`,
    program: options.program,
    args: [
      ["--model-name", name],
      ["--model-version", options.servedVersion ?? options.version],
      ["--model-path", options.path],
      ["--model-sha256", options.sha256],
      DEVICE_FLAGS,
    ].flat(),
    readyPath: `/v2/models/${name}/ready`,
    logFile: options.logFile,
    log: options.log,
  });
  return {
    version: options.version,
    ...(options.servedVersion ? { servedVersion: options.servedVersion } : {}),
    sha256: options.sha256,
    ...started,
  };
}

/** A Shared runtime's server on a simulated node: the CPU runtime under explicit model control. */
export interface SharedServerInstance {
  readonly baseUrl: string;
  /** The key its model repository API requires. */
  readonly key: string;
  close(): Promise<void>;
}

/** Starts a node's shared server, as the server DaemonSet's pod does, with a key of its own. */
export async function startSharedServer(o: {
  name: string;
  program: RuntimeProgram;
  logFile: string;
  log: Logger;
}): Promise<SharedServerInstance> {
  const key = randomBytes(24).toString("base64url");
  const started = await startOnFreePort({
    name: `shared server ${o.name}`,
    program: o.program,
    args: ["--model-control-mode", "explicit", "--http-restricted-api", `model-repository:${LOAD_KEY_HEADER}=${key}`, ...DEVICE_FLAGS],
    readyPath: "/v2/health/ready",
    logFile: o.logFile,
    log: o.log,
  });
  return { key, ...started };
}

/**
 * Starts the model loader of a model on a shared server, as its pod does: it loads the verified
 * file into the server and serves the model's routes through it; ready once the server has it.
 */
export async function startLoaderInstance(
  options: RuntimeInstanceOptions & { server: SharedServerInstance; serverName: string; format: string },
): Promise<RuntimeInstance> {
  const started = await startOnFreePort({
    name: `model loader ${options.namespace}/${options.model}@${options.version}`,
    program: options.program,
    args: ["--model-path", options.path, "--log-level", "warn"],
    env: {
      [MODEL_SERVER_ENV]: options.server.baseUrl,
      [LOAD_KEY_ENV]: options.server.key,
      EDGEFLEET_MODEL: `${options.namespace}/${options.model}`,
      EDGEFLEET_MODEL_VERSION: options.version,
      EDGEFLEET_FORMAT: options.format,
      EDGEFLEET_ARTIFACT_SHA256: options.sha256,
    },
    readyPath: "/v2/health/ready",
    logFile: options.logFile,
    log: options.log,
  });
  return { version: options.version, sha256: options.sha256, server: options.serverName, ...started };
}
