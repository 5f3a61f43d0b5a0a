#!/usr/bin/env -S node --import tsx
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { acquireFileLock, jsonLogger, optionsOrExitCode } from "@edgefleet/kit";
import { ArtifactCache } from "./cache.js";
import { INSTALL_HELP, type InstallOptions, parseInstallOptions } from "./install-options.js";
import { Installer } from "./installer.js";
import { writeRefusal } from "./refusal-inbox.js";
import { FailureReporter } from "./reporter.js";

/** The lock every install on a node takes, in the cache directory it guards. */
export const LOCK_FILE = "install.lock";

async function install(options: InstallOptions): Promise<number> {
  const { namespace, model, version, variant, artifact, cacheDir } = options;
  const log = jsonLogger().with({ namespace, model, version });
  mkdirSync(cacheDir, { recursive: true });
  const waitStarted = Date.now();
  const lock = await acquireFileLock({
    path: join(cacheDir, LOCK_FILE),
    timeoutMs: options.lockTimeoutMs,
    busy: "another install is running on this node (or raise --lock-timeout)",
  });
  try {
    log.info("cache lock taken", { waitedMs: Date.now() - waitStarted });
    // Everything an install touches is shared by the node's runtime pods: partial downloads,
    // eviction (which spares only this process's reservations), each model's state, and even
    // opening (which deletes state files a crash left half-written), so all of it is under the lock.
    const cache = ArtifactCache.open({ root: cacheDir, maxBytes: options.cacheMaxBytes });
    const installer = new Installer({
      cache,
      requireSignature: options.requireSignature,
      reporter: new FailureReporter(log),
      log,
      fetchers: options.fetchers,
    });
    const outcome = await installer.install({ namespace, model, version, ...(variant === undefined ? {} : { variant }), artifact });
    if (!outcome.installed) {
      writeRefusal(cacheDir, { namespace, model, version }, outcome.refusal);
      log.error("artifact not verified; the runtime will not start", { reason: outcome.refusal.reason });
      return 1;
    }
    const { sha256 } = outcome.state.active;
    log.info("artifact verified and active", { sha256, path: cache.blobPath(sha256), downloaded: outcome.downloaded });
    return 0;
  } finally {
    lock.release();
  }
}

async function main(argv: string[]): Promise<number> {
  const options = await optionsOrExitCode(INSTALL_HELP, () => parseInstallOptions(argv));
  return typeof options === "number" ? options : install(options);
}

// A pending promise does not keep Node running, and the download's retry sleeps are unref'd (the
// agent must not wait on them to exit): without this timer the command exited 0 in the middle of
// a retry, and the runtime started on an artifact never verified.
const running = setInterval(() => {}, 60_000);
main(process.argv.slice(2))
  .then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      console.error(JSON.stringify({ ts: new Date().toISOString(), level: "error", msg: "artifact install failed", error: String(err) }));
      process.exitCode = 1;
    },
  )
  .finally(() => clearInterval(running));
