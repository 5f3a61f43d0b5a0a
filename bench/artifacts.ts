// Benchmark of verified artifact installs: what verification and the crash-safe cache cost over a
// plain download. Baseline, measured in the same run against the same local HTTPS server (the
// project's Ed25519 PKI): an https.get piped into a file, no hashing, no fsync. Then the installer:
// signature fetch and check, download with streamed SHA-256 into a partial file, fsync, rename into
// the blobs, atomic state switch. Also a rollback (state switch only) and a reinstall of a version
// whose blob is cached (signature check only). And the same bytes as an OCI artifact from the real
// registry (Debian's docker-registry, HTTPS with a private CA, htpasswd): manifest, auth, signature
// layer, blob, verified as the https install is.
import { createWriteStream, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { get } from "node:https";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import {
  ArtifactCache,
  basicAuthorization,
  encodeEnvelope,
  generateSigningKey,
  Installer,
  pushArtifact,
  registryCredentials,
  signStatement,
} from "@edgefleet/edge-agent";
import { publish, startServer, startTestRegistry } from "@edgefleet/test";
import { benchFlags } from "./flags.js";
import { median } from "./stats.js";

const values = await benchFlags({
  about: `Benchmarks verified artifact installs (signature check, streamed SHA-256, fsync, atomic switch)
against a plain HTTPS download into a file, the same install of the same bytes as an OCI artifact from a
real registry (docker-registry), and a rollback and a reinstall from the cache.`,
  flags: {
    mib: { type: "integer", default: "64", help: "the artifact's size in MiB" },
    runs: { type: "integer", default: "3", help: "runs of each; the median is reported" },
  },
});
const BYTES = values.mib * 1024 * 1024;
const RUNS = values.runs;
const root = mkdtempSync(join(tmpdir(), "edgefleet-bench-artifacts-"));
const server = await startServer();
const registry = await startTestRegistry(join(root, "registry"));
const key = generateSigningKey();

async function seconds(fn: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await fn();
  return (performance.now() - start) / 1000;
}

function rawDownload(uri: string, file: string, options: { ca: string; headers?: Record<string, string> }): Promise<void> {
  return new Promise((resolve, reject) => {
    get(uri, options, (res) => {
      if (res.statusCode !== 200) {
        res.resume();
        reject(new Error(`bench raw download of ${uri}: HTTP ${res.statusCode}`));
      } else pipeline(res, createWriteStream(file)).then(resolve, reject);
    }).on("error", reject);
  });
}

// The registry serves the OCI install's blob; its own plain download is that install's baseline,
// since the registry (Go's net/http) and the bench's node:https server differ in speed.
// The device's credentials, read as the install command reads them.
const deviceCredentials = registryCredentials(readFileSync(registry.deviceAuth, "utf8"), registry.address);
if (deviceCredentials === undefined) throw new Error(`bench: the registry's device credentials name no ${registry.address}`);
const registryBlob = (sha256: string) =>
  rawDownload(`https://${registry.address}/v2/bench/detector/blobs/sha256:${sha256}`, join(root, "raw-oci"), {
    ca: registry.ca,
    headers: { authorization: basicAuthorization(deviceCredentials) },
  });

const loadBefore = loadavg();
const times = {
  raw: [] as number[],
  install: [] as number[],
  rawOci: [] as number[],
  oci: [] as number[],
  rollback: [] as number[],
  cached: [] as number[],
};
for (let run = 0; run < RUNS; run++) {
  const v1 = publish(server, { model: "detector", version: `1.0.${run}`, key, bytes: BYTES });
  const v2 = publish(server, { model: "detector", version: `2.0.${run}`, key, bytes: BYTES });
  const cache = ArtifactCache.open({ root: join(root, `cache-${run}`) });
  const installer = new Installer({ cache, fetchers: { https: { ca: server.ca } } });
  const install = async (version: string, artifact: typeof v1.spec) => {
    const outcome = await installer.install({ namespace: "vision", model: "detector", version, artifact });
    if (!outcome.installed) throw new Error(`bench install refused: ${outcome.refusal.message}`);
  };
  // v1's very bytes and signature, pushed as an OCI artifact.
  const file = join(root, `oci-${run}.onnx`);
  writeFileSync(file, v1.body);
  const signature = Buffer.from(
    encodeEnvelope(signStatement({ model: "detector", version: `1.0.${run}`, sha256: v1.spec.sha256 }, key.privateKeyPem)),
  );
  const pushed = await pushArtifact({
    file,
    signature,
    to: `oci://${registry.address}/bench/detector:1.0.${run}`,
    registryAuth: readFileSync(registry.publisherAuth, "utf8"),
    extraCa: registry.ca,
  });
  const ociInstaller = new Installer({
    cache: ArtifactCache.open({ root: join(root, `oci-cache-${run}`) }),
    fetchers: { https: { extraCa: registry.ca }, oci: { registryAuth: readFileSync(registry.deviceAuth, "utf8") } },
  });
  const ociArtifact = { ...v1.spec, uri: pushed.uri, signature: { uri: pushed.uri, publicKeyPem: key.publicKeyPem } };
  const oci = async () => {
    const outcome = await ociInstaller.install({ namespace: "vision", model: "detector", version: `1.0.${run}`, artifact: ociArtifact });
    if (!outcome.installed) throw new Error(`bench OCI install refused: ${outcome.refusal.message}`);
  };
  // Rotate the order so no side always gets the warmer page cache.
  const sides: [number[], () => Promise<unknown>][] = [
    [times.raw, () => rawDownload(v1.spec.uri, join(root, `raw-${run}`), { ca: server.ca })],
    [times.install, () => install(`1.0.${run}`, v1.spec)],
    [times.rawOci, () => registryBlob(v1.spec.sha256)],
    [times.oci, oci],
  ];
  for (let n = 0; n < sides.length; n++) {
    const [into, fn] = sides[(run + n) % sides.length] as [number[], () => Promise<unknown>];
    into.push(await seconds(fn));
  }
  await install(`2.0.${run}`, v2.spec);
  times.rollback.push(await seconds(async () => cache.rollback("vision", "detector")));
  times.cached.push(await seconds(() => install(`2.0.${run}`, v2.spec)));
}
const loadAfter = loadavg();
await server.close();
await registry.stop();
rmSync(root, { recursive: true, force: true });

const mibps = (s: number) => (BYTES / 1024 / 1024 / s).toFixed(0);
const raw = median(times.raw);
const install = median(times.install);
const rawOci = median(times.rawOci);
const oci = median(times.oci);
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
  `| raw https.get of the same blob from docker-registry (the OCI install's baseline) | ${(rawOci * 1000).toFixed(0)} ms | ${mibps(rawOci)} | ${(rawOci / raw).toFixed(2)} |`,
);
console.log(
  `| verified OCI install from docker-registry (manifest, auth, signature layer, blob; same checks) | ${(oci * 1000).toFixed(0)} ms | ${mibps(oci)} | ${(oci / raw).toFixed(2)} (${(oci / rawOci).toFixed(2)} of the registry's raw download) |`,
);
console.log(
  `| rollback (state switch, no download) | ${(median(times.rollback) * 1000).toFixed(2)} ms | | ${(median(times.rollback) / raw).toFixed(4)} |`,
);
console.log(
  `| reinstall of a cached version (signature check) | ${(median(times.cached) * 1000).toFixed(1)} ms | | ${(median(times.cached) / raw).toFixed(4)} |`,
);
