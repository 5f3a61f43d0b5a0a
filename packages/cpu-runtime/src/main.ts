#!/usr/bin/env -S node --import tsx
import { jsonLogger, onShutdown, optionsOrExitCode, processMetrics } from "@edgefleet/kit";
import { Registry } from "prom-client";
import { loadModel } from "./model.js";
import { HELP, parseOptions } from "./options.js";
import { RuntimeServer } from "./server.js";

/** Longest a graceful shutdown may take before the process exits anyway. */
const SHUTDOWN_TIMEOUT_MS = 10_000;

async function main(argv: string[]): Promise<number> {
  const opts = await optionsOrExitCode(HELP, () => parseOptions(argv));
  if (typeof opts === "number") return opts;
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
    const model = await loadModel({
      name: opts.modelName,
      version: opts.modelVersion,
      path: opts.modelPath,
      intraOpThreads: opts.intraOpThreads,
    });
    runtime.setModel(model);
    log.info("model loaded", {
      latencyClock: opts.latencyClock,
      path: opts.modelPath,
      seconds: (performance.now() - started) / 1000,
      inputs: model.inputs.map((i) => i.name),
      outputs: model.outputs.map((o) => o.name),
    });
  } catch (err) {
    log.error("model failed to load", { path: opts.modelPath, error: err instanceof Error ? err.message : String(err) });
    await runtime.close();
    return 1;
  }
  return stopped;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
