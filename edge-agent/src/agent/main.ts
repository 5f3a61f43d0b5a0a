#!/usr/bin/env -S node --import tsx
import { jsonLogger } from "../../../operator/src/observe/log.js";
import { startAgent } from "./agent.js";
import { HELP, parseOptions } from "./options.js";

/** A clean shutdown that takes longer than this (a wedged disk) ends with exit 1. */
const SHUTDOWN_GRACE_MS = 5_000;

async function main(argv: string[]): Promise<number> {
  let parsed: ReturnType<typeof parseOptions>;
  try {
    parsed = parseOptions(argv);
  } catch (err) {
    console.error(`${err instanceof Error ? err.message : err}\n\n${HELP}`);
    return 2;
  }
  if (parsed.help) {
    console.log(HELP);
    return 0;
  }
  const { options } = parsed;
  const log = jsonLogger({ level: options.logLevel }).with({ site: options.site, node: options.node });
  const agent = await startAgent(options, { log });

  return new Promise<number>((resolve) => {
    let stopping = false;
    const shutdown = (signal: string) => {
      if (stopping) return;
      stopping = true;
      log.info("shutting down", { signal });
      const force = setTimeout(() => {
        log.error("shutdown took too long; exiting", { graceMs: options.drainTimeoutMs + SHUTDOWN_GRACE_MS });
        resolve(1);
      }, options.drainTimeoutMs + SHUTDOWN_GRACE_MS);
      force.unref();
      agent.stop().then(
        () => resolve(0),
        (err: unknown) => {
          log.error("shutdown failed", { error: String(err) });
          resolve(1);
        },
      );
    };
    process.once("SIGTERM", () => shutdown("SIGTERM"));
    process.once("SIGINT", () => shutdown("SIGINT"));
  });
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(JSON.stringify({ ts: new Date().toISOString(), level: "error", msg: "agent failed to start", error: String(err) }));
    process.exit(1);
  },
);
