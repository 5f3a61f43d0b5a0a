import { errorMessage, jsonLogger, type Logger, onShutdown, processMetrics } from "@edgefleet/kit";
import { Registry } from "prom-client";
import type { RepositoryOptions, RuntimeOptions } from "./options.js";
import type { ModelRepository } from "./repository.js";
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

type ServerSettings = Pick<RuntimeServerOptions, "server" | "model" | "repository" | "restricted" | "maxLoadBytes">;

/**
 * Listens (before any model loads, so health checks see a live runtime that is not ready yet) and
 * stops on SIGTERM or SIGINT: `stopped` resolves to the exit code once requests in flight have
 * ended and the models are released.
 */
async function startServer(
  opts: RepositoryOptions | RuntimeOptions,
  log: Logger,
  settings: ServerSettings,
): Promise<{ runtime: RuntimeServer; stopped: Promise<number> }> {
  const registry = new Registry();
  processMetrics(registry);
  const runtime = new RuntimeServer({
    ...settings,
    registry,
    log,
    maxBodyBytes: opts.maxBodyBytes,
    maxInputBytes: opts.maxInputBytes,
    latencyClock: opts.latencyClock,
  });
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
  return { runtime, stopped };
}

/**
 * A runtime program's life: listens, loads the model and serves it until SIGTERM or SIGINT;
 * resolves to the exit code. Shared by edgefleet's runtimes, so each one's flags, logs, health,
 * metrics and shutdown are the same whatever engine runs the model.
 */
export async function serveModel(opts: RuntimeOptions, { server, load }: ServeOptions): Promise<number> {
  const log = jsonLogger({ level: opts.logLevel }).with({ model: opts.modelName, version: opts.modelVersion });
  const model = { name: opts.modelName, version: opts.modelVersion };
  const { runtime, stopped } = await startServer(opts, log, { model, ...(server ? { server } : {}) });
  const started = performance.now();
  try {
    const loaded = await load(opts);
    await runtime.setModel(loaded);
    log.info("model loaded", {
      latencyClock: opts.latencyClock,
      path: opts.modelPath,
      seconds: (performance.now() - started) / 1000,
      inputs: loaded.inputs.map((i) => i.name),
      outputs: loaded.outputs.map((o) => o.name),
    });
  } catch (err) {
    log.error("model failed to load", { path: opts.modelPath, error: errorMessage(err) });
    await runtime.close();
    return 1;
  }
  return stopped;
}

/**
 * A runtime under explicit model control: listens with no model, and serves the models loaded
 * through its model repository API until SIGTERM or SIGINT; resolves to the exit code.
 */
export async function serveRepository(
  opts: RepositoryOptions,
  repository: ModelRepository,
  server?: RuntimeServerOptions["server"],
): Promise<number> {
  const log = jsonLogger({ level: opts.logLevel });
  const { stopped } = await startServer(opts, log, {
    repository,
    maxLoadBytes: opts.maxLoadBytes,
    ...(opts.restricted ? { restricted: opts.restricted } : {}),
    ...(server ? { server } : {}),
  });
  log.info("ready for models", { control: "explicit", restricted: opts.restricted !== undefined, latencyClock: opts.latencyClock });
  return stopped;
}
