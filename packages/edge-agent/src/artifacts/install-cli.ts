#!/usr/bin/env -S node --import tsx
import { mkdirSync } from "node:fs";
import { jsonLogger, optionsOrExitCode } from "@edgefleet/kit";
import { ArtifactCache } from "./cache.js";
import { fileLocks } from "./install-locks.js";
import { INSTALL_HELP, type InstallOptions, parseInstallOptions } from "./install-options.js";
import { Installer } from "./installer.js";
import { layOutModel } from "./model-repository.js";
import { writeRefusal } from "./refusal-inbox.js";
import { FailureReporter } from "./reporter.js";

async function install(options: InstallOptions): Promise<number> {
  const { namespace, model, version, variant, artifact, cacheDir } = options;
  const log = jsonLogger().with({ namespace, model, version });
  mkdirSync(cacheDir, { recursive: true });
  const deadline = new AbortController();
  const timer = setTimeout(
    () =>
      deadline.abort(
        new Error(
          `the install did not finish within --install-deadline (${options.installDeadlineMs / 1000} s): a slow or trickling artifact server, or a long wait for another install of the same digest; the next attempt resumes the download`,
        ),
      ),
    options.installDeadlineMs,
  );
  try {
    // Installs of the node's runtime pods share the cache: each digest's download is theirs alone
    // under its lock, while opening the cache (which deletes state files a crash left
    // half-written), eviction and model state are under the cache lock, held only briefly.
    const locks = fileLocks(cacheDir, options.lockTimeoutMs);
    const cache = await locks.withCache(deadline.signal, () => ArtifactCache.open({ root: cacheDir, maxBytes: options.cacheMaxBytes }));
    const installer = new Installer({
      cache,
      requireSignature: options.requireSignature,
      reporter: new FailureReporter(log),
      log,
      fetchers: options.fetchers,
      locks,
      evaluationMaxBytes: options.evaluationMaxBytes,
    });
    const outcome = await installer.install({
      namespace,
      model,
      version,
      ...(variant === undefined ? {} : { variant }),
      artifact,
      ...(options.evaluation ? { evaluation: options.evaluation } : {}),
      signal: deadline.signal,
    });
    if (!outcome.installed) {
      writeRefusal(cacheDir, { namespace, model, version }, outcome.refusal);
      log.error("artifact not verified; the runtime will not start", { reason: outcome.refusal.reason });
      return 1;
    }
    const { sha256 } = outcome.state.active;
    log.info("artifact verified and active", { sha256, path: cache.blobPath(sha256), downloaded: outcome.downloaded });
    if (options.repository) {
      const path = await layOutModel({ ...options.repository, blob: cache.blobPath(sha256), sha256, name: model });
      log.info("model repository laid out", { layout: options.repository.layout, path });
    }
    return 0;
  } finally {
    clearTimeout(timer);
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
