import { errorMessage, jsonLogger, onShutdown, processMetrics } from "@edgefleet/kit";
import { Registry } from "prom-client";
import type { RuntimeOptions } from "./options.js";
import type { LoadedModel } from "./served-model.js";
import { RuntimeServer, type RuntimeServerOptions } from "./server.js";

/** Longest a graceful shutdown may take before the process exits anyway. */
const SHUTDOWN_TIMEOUT_MS = 10_000;

export interface ServeOptions {
  /** The server's name and version in /v2, when not the CPU runtime's. */
  server?: RuntimeServerOptions["server"];
  /** Loads the model the options name with the runtime's engine. */
  load(options: RuntimeOptions): Promise<LoadedModel>;
}

/**
 * A runtime program's life: listens, loads the model and serves it until SIGTERM or SIGINT;
 * resolves to the exit code. Shared by edgefleet's runtimes, so each one's flags, logs, health,
 * metrics and shutdown are the same whatever engine runs the model.
 */
export async function serveModel(opts: RuntimeOptions, { server, load }: ServeOptions): Promise<number> {
  const log = jsonLogger({ level: opts.logLevel }).with({ model: opts.modelName, version: opts.modelVersion });
  const registry = new Registry();
  processMetrics(registry);
  const runtime = new RuntimeServer({
    name: opts.modelName,
    version: opts.modelVersion,
    registry,
    log,
    maxBodyBytes: opts.maxBodyBytes,
    maxInputBytes: opts.maxInputBytes,
    latencyClock: opts.latencyClock,
    ...(server ? { server } : {}),
  });
  // Listen before loading, so health checks see a live runtime that is not ready yet.
  const address = await runtime.listen(opts.httpAddress);
  log.info("listening", { address });

  const stopped = onShutdown({
    log,
    timeoutMs: SHUTDOWN_TIMEOUT_MS,
    stop: async () => {
      await runtime.close();
      await runtime.release();
      log.info("stopped");
    },
  });

  const started = performance.now();
  try {
    const model = await load(opts);
    runtime.setModel(model);
    log.info("model loaded", {
      latencyClock: opts.latencyClock,
      path: opts.modelPath,
      seconds: (performance.now() - started) / 1000,
      inputs: model.inputs.map((i) => i.name),
      outputs: model.outputs.map((o) => o.name),
    });
  } catch (err) {
    log.error("model failed to load", { path: opts.modelPath, error: errorMessage(err) });
    await runtime.close();
    return 1;
  }
  return stopped;
}
