#!/usr/bin/env -S node --import tsx
import { jsonLogger, onShutdown, optionsOrExitCode } from "@edgefleet/kit";
import { RefusalInbox } from "../artifacts/refusal-inbox.js";
import { startAgent } from "./agent.js";
import { HELP, parseOptions } from "./options.js";

/** A clean shutdown that takes longer than this (a wedged disk) ends with exit 1. */
const SHUTDOWN_GRACE_MS = 5_000;

async function main(argv: string[]): Promise<number> {
  const options = await optionsOrExitCode(HELP, () => parseOptions(argv));
  if (typeof options === "number") return options;
  const log = jsonLogger({ level: options.logLevel }).with({ site: options.site, node: options.node });
  // Refusals of the runtime pods' verify-artifact init containers, left in the node's cache.
  const artifacts = options.artifactCacheDir === undefined ? undefined : new RefusalInbox(options.artifactCacheDir, log);
  const agent = await startAgent(options, { log, ...(artifacts ? { artifacts } : {}) });

  // agent.stop() logs "stopped" with what is left in the spool.
  return onShutdown({ log, timeoutMs: options.drainTimeoutMs + SHUTDOWN_GRACE_MS, stop: () => agent.stop() });
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(JSON.stringify({ ts: new Date().toISOString(), level: "error", msg: "agent failed to start", error: String(err) }));
    process.exit(1);
  },
);
