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
 * Starts the runtime as its own process, serving the artifact on a local port, the way a
 * device runs it: one device's runtime crashing, collecting garbage or running a slow build does
 * not stall another's event loop. One intra-op thread, and latency on the process's CPU clock:
 * the fleet shares the machine's cores, and each device reports what it would measure with one
 * core to itself (packages/cpu-runtime/src/latency-clock.ts; the OpenVINO runtime adds its
 * worker's CPU time).
 */
export async function startRuntimeInstance(options: RuntimeInstanceOptions): Promise<RuntimeInstance> {
  // OIP v2 names the model without its namespace: one runtime serves one model of one namespace.
  const name = options.model;
  for (let attempt = 1; ; attempt++) {
    const address = `127.0.0.1:${await freePort()}`;
    const service = new Service({
      name: `runtime ${options.namespace}/${name}@${options.version}`,
      // The kernel stops the runtime when the simulator dies, however it dies (util-linux's setpriv
      // sets the parent-death signal, then runs node): a killed simulator leaves no runtime behind.
      command: "setpriv",
      args: [
        ["--pdeathsig", "TERM", "--", process.execPath, options.program.path],
        options.program.args,
        ["--model-name", name],
        ["--model-version", options.servedVersion ?? options.version],
        ["--model-path", options.path],
        ["--model-sha256", options.sha256],
        ["--http-address", address],
        ["--intra-op-threads", "1"],
        ["--latency-clock", "process-cpu"],
        ["--log-level", "warn"],
      ].flat(),
      logFile: options.logFile,
      readiness: { httpUrl: `http://${address}/v2/models/${name}/ready` },
      startTimeoutMs: 60_000,
      stopTimeoutMs: 5_000,
    });
    try {
      await service.start();
    } catch (err) {
      await service.dispose();
      if (attempt === START_ATTEMPTS) throw err;
      options.log.warn("runtime did not start; retrying on another port", { version: options.version, error: String(err) });
      continue;
    }
    return {
      version: options.version,
      ...(options.servedVersion ? { servedVersion: options.servedVersion } : {}),
      sha256: options.sha256,
      baseUrl: `http://${address}`,
      close: () => service.dispose(),
    };
  }
}
