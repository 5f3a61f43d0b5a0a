// Benchmark of verified artifact installs: what verification and the crash-safe cache cost over a
// plain download. Baseline, measured in the same run against the same local HTTPS server (the
// project's Ed25519 PKI): an https.get piped into a file, no hashing, no fsync. Then the installer:
// signature fetch and check, download with streamed SHA-256 into a partial file, fsync, rename into
// the blobs, atomic state switch. Also a rollback (state switch only) and a reinstall of a version
// whose blob is cached (signature check only).
import { createWriteStream, mkdtempSync, rmSync } from "node:fs";
import { get } from "node:https";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import { ArtifactCache, generateSigningKey, Installer } from "@edgefleet/edge-agent";
import { publish, startServer } from "@edgefleet/test";
import { benchFlags } from "./flags.js";
import { median } from "./stats.js";

const values = await benchFlags({
  about: `Benchmarks verified artifact installs (signature check, streamed SHA-256, fsync, atomic switch)
against a plain HTTPS download into a file, and a rollback and a reinstall from the cache.`,
  flags: {
    mib: { type: "integer", default: "64", help: "the artifact's size in MiB" },
    runs: { type: "integer", default: "3", help: "runs of each; the median is reported" },
  },
});
const BYTES = values.mib * 1024 * 1024;
const RUNS = values.runs;
const root = mkdtempSync(join(tmpdir(), "edgefleet-bench-artifacts-"));
const server = await startServer();
const key = generateSigningKey();

async function seconds(fn: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await fn();
  return (performance.now() - start) / 1000;
}

function rawDownload(uri: string, file: string): Promise<void> {
  return new Promise((resolve, reject) => {
    get(uri, { ca: server.ca }, (res) => pipeline(res, createWriteStream(file)).then(resolve, reject)).on("error", reject);
  });
}

const loadBefore = loadavg();
const times = { raw: [] as number[], install: [] as number[], rollback: [] as number[], cached: [] as number[] };
for (let run = 0; run < RUNS; run++) {
  const v1 = publish(server, { model: "detector", version: `1.0.${run}`, key, bytes: BYTES });
  const v2 = publish(server, { model: "detector", version: `2.0.${run}`, key, bytes: BYTES });
  const cache = ArtifactCache.open({ root: join(root, `cache-${run}`) });
  const installer = new Installer({ cache, fetchers: { https: { ca: server.ca } } });
  const install = async (version: string, artifact: typeof v1.spec) => {
    const outcome = await installer.install({ namespace: "vision", model: "detector", version, artifact });
    if (!outcome.installed) throw new Error(`bench install refused: ${outcome.refusal.message}`);
  };
  // Alternate the order so neither side always gets the warmer page cache.
  const raw = () => rawDownload(v1.spec.uri, join(root, `raw-${run}`));
  const verified = () => install(`1.0.${run}`, v1.spec);
  if (run % 2 === 0) {
    times.raw.push(await seconds(raw));
    times.install.push(await seconds(verified));
  } else {
    times.install.push(await seconds(verified));
    times.raw.push(await seconds(raw));
  }
  await install(`2.0.${run}`, v2.spec);
  times.rollback.push(await seconds(async () => cache.rollback("vision", "detector")));
  times.cached.push(await seconds(() => install(`2.0.${run}`, v2.spec)));
}
const loadAfter = loadavg();
await server.close();
rmSync(root, { recursive: true, force: true });

const mibps = (s: number) => (BYTES / 1024 / 1024 / s).toFixed(0);
const raw = median(times.raw);
const install = median(times.install);
console.log(
  `${cpus().length} CPUs, ${cpus()[0]?.model ?? "unknown"}; load average ${loadBefore[0]?.toFixed(2)} before, ${loadAfter[0]?.toFixed(2)} after`,
);
console.log(`${values.mib} MiB artifact, median of ${RUNS} runs, HTTPS over loopback\n`);
console.log("| operation | median | MiB/s | vs. raw download |");
console.log("| --- | --: | --: | --: |");
console.log(`| raw https.get into a file (baseline) | ${(raw * 1000).toFixed(0)} ms | ${mibps(raw)} | 1.00 |`);
console.log(
  `| verified install (signature, SHA-256, fsync, rename, switch) | ${(install * 1000).toFixed(0)} ms | ${mibps(install)} | ${(install / raw).toFixed(2)} |`,
);
console.log(
  `| rollback (state switch, no download) | ${(median(times.rollback) * 1000).toFixed(2)} ms | | ${(median(times.rollback) / raw).toFixed(4)} |`,
);
console.log(
  `| reinstall of a cached version (signature check) | ${(median(times.cached) * 1000).toFixed(1)} ms | | ${(median(times.cached) / raw).toFixed(4)} |`,
);
