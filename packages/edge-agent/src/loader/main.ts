#!/usr/bin/env -S node --import tsx
import type { AddressInfo } from "node:net";
import { errorMessage, jsonLogger, listen, onShutdown, optionsOrExitCode, Periodic, readVerifiedFile } from "@edgefleet/kit";
import { LoadRefused, ModelLoader } from "./loader.js";
import { LOADER_HELP, type LoaderOptions, parseLoaderOptions } from "./options.js";
import { loaderProxy } from "./proxy.js";

const SHUTDOWN_TIMEOUT_MS = 10_000;

async function run(o: LoaderOptions): Promise<number> {
  const log = jsonLogger({ level: o.logLevel }).with({ model: `${o.namespace}/${o.name}`, version: o.version });
  let bytes: Buffer;
  try {
    bytes = await readVerifiedFile(o.modelPath, o.sha256);
  } catch (err) {
    log.error("model failed to load", { path: o.modelPath, error: errorMessage(err) });
    return 1;
  }
  const loader = new ModelLoader(o, bytes, log);
  const proxy = loaderProxy({ loader, server: o.server, name: o.name, version: o.version, log });
  const port = await listen(proxy, o.httpAddress);
  log.info("listening", {
    address: `${(proxy.address() as AddressInfo).address}:${port}`,
    server: o.server,
    serverModel: loader.serverName,
  });

  let refused: (code: number) => void = () => {};
  const failed = new Promise<number>((resolve) => {
    refused = resolve;
  });
  const checks = new Periodic({
    intervalMs: o.checkIntervalMs,
    run: () => loader.ensureLoaded(),
    failed: (err) => {
      if (err instanceof LoadRefused) {
        log.error("model failed to load", { error: err.message });
        refused(1);
      } else log.warn("model not loaded yet: the server is not answering; trying again", { server: o.server, error: errorMessage(err) });
    },
  });
  const stopped = onShutdown({
    log,
    timeoutMs: SHUTDOWN_TIMEOUT_MS,
    stop: async () => {
      await checks.stop();
      proxy.close();
      proxy.closeIdleConnections();
      await loader.unload();
      log.info("stopped");
    },
  });
  checks.start();
  void checks.runOnce();
  return Promise.race([stopped, failed]);
}

async function main(argv: string[]): Promise<number> {
  const options = await optionsOrExitCode(LOADER_HELP, () => parseLoaderOptions(argv));
  return typeof options === "number" ? options : run(options);
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
