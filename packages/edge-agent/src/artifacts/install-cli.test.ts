import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmodSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { silentLogger, useTempDirs } from "@edgefleet/kit";
import { describe, expect, it } from "vitest";
import { ArtifactCache } from "./cache.js";
import { checkCache } from "./check.js";
import { RefusalInbox } from "./refusal-inbox.js";
import { signFile } from "./sign-file.js";
import { encodeEnvelope, generateSigningKey } from "./signature.js";

const tempDir = useTempDirs("install-cli");
const cli = fileURLToPath(new URL("./install-cli.ts", import.meta.url));
const repoRoot = fileURLToPath(new URL("../../../..", import.meta.url));

interface Result {
  code: number | null;
  lines: Record<string, unknown>[];
}

/** The CLI as a runtime pod's init container runs it: no flags but the cache, the model in env. */
function run(env: Record<string, string>, args: string[] = []): Promise<Result> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, ["--import", "tsx", cli, ...args], {
      cwd: repoRoot,
      env: { PATH: process.env.PATH, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    proc.stdout.on("data", (c: Buffer) => {
      out += c.toString();
    });
    proc.stderr.on("data", (c: Buffer) => {
      out += c.toString();
    });
    proc.on("error", reject);
    proc.on("exit", (code) => {
      const lines = out
        .split("\n")
        .filter((l) => l.startsWith("{"))
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      resolve({ code, lines });
    });
  });
}

/** A signed 1 MiB model version, and the environment the operator gives its pods. */
function publish(dir: string, key: { privateKeyPem: string; publicKeyPem: string }, model: string, version: string) {
  const file = join(dir, `${model}-${version}.onnx`);
  writeFileSync(file, randomBytes(1024 * 1024));
  const signed = signFile({ file, model, version, privateKeyPem: key.privateKeyPem });
  writeFileSync(`${file}.sig`, encodeEnvelope(signed.envelope));
  return {
    EDGEFLEET_MODEL: `vision/${model}`,
    EDGEFLEET_MODEL_VERSION: version,
    EDGEFLEET_ARTIFACT_URI: pathToFileURL(file).href,
    EDGEFLEET_ARTIFACT_SHA256: signed.sha256,
    EDGEFLEET_ARTIFACT_SIZE_BYTES: String(signed.sizeBytes),
    EDGEFLEET_SIGNATURE_URI: pathToFileURL(`${file}.sig`).href,
    EDGEFLEET_SIGNATURE_PUBLIC_KEY: key.publicKeyPem,
  };
}

describe("install-cli", () => {
  it("installs several models at once into one cache, each digest under its own lock, leaving it consistent", async () => {
    const [dir, root] = [tempDir(), tempDir()];
    const key = generateSigningKey();
    const models = ["detector", "segmenter", "classifier", "tracker"].map((m) => publish(dir, key, m, "1.0.0"));
    // Two pods of the same model (e.g. after a restart) race too.
    const results = await Promise.all([...models, models[0] ?? {}].map((env) => run(env, ["--cache-dir", root])));
    expect(results.map((r) => r.code)).toEqual([0, 0, 0, 0, 0]);
    for (const r of results) expect(r.lines.at(-1)).toMatchObject({ level: "info", msg: "artifact verified and active" });
    const cache = ArtifactCache.open({ root });
    expect(checkCache(cache)).toEqual([]);
    for (const env of models) {
      const name = env.EDGEFLEET_MODEL.split("/")[1] ?? "";
      expect(cache.active("vision", name)?.sha256).toBe(env.EDGEFLEET_ARTIFACT_SHA256);
    }
  }, 60_000);

  it("exits 1 naming the reason, keeps what was active, and leaves the refusal for the agent", async () => {
    const [dir, root] = [tempDir(), tempDir()];
    const key = generateSigningKey();
    const good = publish(dir, key, "detector", "1.0.0");
    expect((await run(good, ["--cache-dir", root])).code).toBe(0);
    // The 1.0.0 file replayed as 2.0.0, and a file whose digest is not the one in the EdgeModel.
    const replay = await run({ ...good, EDGEFLEET_MODEL_VERSION: "2.0.0" }, ["--cache-dir", root]);
    const tampered = await run({ ...good, EDGEFLEET_ARTIFACT_SHA256: "0".repeat(64) }, ["--cache-dir", root]);
    expect([replay.code, tampered.code]).toEqual([1, 1]);
    expect(replay.lines.at(-1)).toMatchObject({ level: "error", reason: "version-mismatch", model: "detector" });
    expect(tampered.lines.at(-1)).toMatchObject({ level: "error", reason: "signature-invalid" });
    expect(ArtifactCache.open({ root }).active("vision", "detector")?.version).toBe("1.0.0");

    const inbox = new RefusalInbox(root, silentLogger);
    expect(inbox.take(64)).toEqual([
      { namespace: "vision", model: "detector", version: "2.0.0", reason: "version-mismatch", count: 1 },
      { namespace: "vision", model: "detector", version: "1.0.0", reason: "signature-invalid", count: 1 },
    ]);
    expect(inbox.take(64)).toEqual([]);
  }, 60_000);

  it("lays out the verified file in the pod's model repository for a runtime that reads one (Triton's layout)", async () => {
    const [dir, root, repository] = [tempDir(), tempDir(), tempDir()];
    const env = publish(dir, generateSigningKey(), "detector", "1.0.0");
    const flags = ["--cache-dir", root, "--model-repository", repository];
    const done = await run({ ...env, EDGEFLEET_FORMAT: "tensorrt" }, flags);
    expect(done.code).toBe(0);
    expect(done.lines.at(-1)).toMatchObject({
      msg: "model repository laid out",
      layout: "triton",
      path: join(repository, "detector/1/model.plan"),
    });
    const cached = readFileSync(join(root, "blobs", "sha256", env.EDGEFLEET_ARTIFACT_SHA256));
    expect(readFileSync(join(repository, "detector/1/model.plan")).equals(cached)).toBe(true);
    expect(readFileSync(join(repository, "detector/config.pbtxt"), "utf8")).toContain('platform: "tensorrt_plan"');
    // Without the variant's format there is no file name: bad flags.
    expect((await run(env, flags)).code).toBe(2);
  }, 60_000);

  it("exits 1 once its download retries are spent, not 0 in the middle of one", async () => {
    const env = publish(tempDir(), generateSigningKey(), "detector", "1.0.0");
    // Nothing listens on port 1: every attempt fails at once and the command sleeps between them.
    const result = await run({ ...env, EDGEFLEET_ARTIFACT_URI: "https://127.0.0.1:1/detector.onnx" }, ["--cache-dir", tempDir()]);
    expect(result.code).toBe(1);
    expect(result.lines.at(-1)).toMatchObject({ level: "error", reason: "download-failed" });
  }, 60_000);

  it("refuses an unsigned artifact unless --allow-unsigned, and names a missing flag with exit 2", async () => {
    const [dir, root] = [tempDir(), tempDir()];
    const {
      EDGEFLEET_SIGNATURE_URI: _uri,
      EDGEFLEET_SIGNATURE_PUBLIC_KEY: _key,
      ...unsigned
    } = publish(dir, generateSigningKey(), "detector", "1");
    expect((await run(unsigned, ["--cache-dir", root])).lines.at(-1)).toMatchObject({ reason: "signature-missing" });
    expect((await run(unsigned, ["--cache-dir", root, "--allow-unsigned"])).code).toBe(0);
    const { EDGEFLEET_ARTIFACT_SHA256: _sha, ...noDigest } = unsigned;
    const usage = await run(noDigest, ["--cache-dir", root]);
    expect(usage.code).toBe(2);
  }, 60_000);

  it("hashes a cached blob again before the runtime loads it: a corrupted one is downloaded again, or refused", async () => {
    const [dir, root] = [tempDir(), tempDir()];
    const env = publish(dir, generateSigningKey(), "detector", "1.0.0");
    expect((await run(env, ["--cache-dir", root])).code).toBe(0);
    const blob = join(root, "blobs", "sha256", env.EDGEFLEET_ARTIFACT_SHA256);
    // Same size, other bytes: a size check alone would pass it.
    const corrupt = () => {
      chmodSync(blob, 0o644);
      writeFileSync(blob, randomBytes(1024 * 1024));
    };
    corrupt();
    const again = await run(env, ["--cache-dir", root]);
    expect(again.code).toBe(0);
    expect(again.lines.find((l) => l.msg === "cached blob corrupted; downloading it again")).toMatchObject({
      level: "warn",
      sha256: env.EDGEFLEET_ARTIFACT_SHA256,
    });
    expect(again.lines.at(-1)).toMatchObject({ msg: "artifact verified and active", downloaded: true });
    expect(checkCache(ArtifactCache.open({ root }))).toEqual([]);

    // The source is corrupted too: the download is refused and nothing unverified stays to be loaded.
    corrupt();
    writeFileSync(fileURLToPath(env.EDGEFLEET_ARTIFACT_URI), readFileSync(blob));
    const refused = await run(env, ["--cache-dir", root]);
    expect(refused.code).toBe(1);
    expect(refused.lines.at(-1)).toMatchObject({ level: "error", reason: "digest-mismatch" });
    expect(ArtifactCache.open({ root }).blobSize(env.EDGEFLEET_ARTIFACT_SHA256)).toBeUndefined();
  }, 60_000);

  it("refuses a sizeBytes over the trust policy's bound before fetching anything, naming the policy", async () => {
    const env = publish(tempDir(), generateSigningKey(), "detector", "1.0.0");
    const root = tempDir();
    const bounded = { ...env, EDGEFLEET_MAX_ARTIFACT_BYTES: "1000", EDGEFLEET_MAX_ARTIFACT_BYTES_POLICY: "platform" };
    const refused = await run(bounded, ["--cache-dir", root]);
    expect(refused.code).toBe(1);
    expect(refused.lines.find((l) => l.msg === "artifact refused")).toMatchObject({
      reason: "size-mismatch",
      detail: `sizeBytes ${env.EDGEFLEET_ARTIFACT_SIZE_BYTES} is more than ModelTrustPolicy "platform" spec.maxArtifactBytes (1000 bytes)`,
    });
    // Nothing was fetched: no partial download, no blob.
    expect(readdirSync(join(root, "partial"))).toEqual([]);
    const cacheBound = await run(env, ["--cache-dir", tempDir(), "--cache-max-bytes", "1000"]);
    expect(cacheBound.lines.at(-1)).toMatchObject({ level: "error", reason: "size-mismatch" });
    expect(JSON.stringify(cacheBound.lines)).toContain("more than the whole artifact cache (1000 bytes, --cache-max-bytes)");
  }, 60_000);
});
