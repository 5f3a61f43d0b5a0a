import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  ArtifactCache,
  type ArtifactSpec,
  generateSigningKey,
  Installer,
  type InstallOutcome,
  type Progress,
  pushArtifact,
} from "@edgefleet/edge-agent";
import { useTempDirs } from "@edgefleet/kit";
import { dockerConfig, startOciRegistry } from "@edgefleet/tools";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { TcpProxy } from "../helpers/tcp-proxy.js";
import { DEVICE, PUBLISHER, startTestRegistry, type TestRegistry } from "./oci-registry.js";

/*
 * oci:// artifacts end to end against the real registry (CNCF Distribution over HTTPS with a
 * private CA, htpasswd credentials): published with `tools/edgefleet artifacts push`, installed by
 * the agent's installer and by the install command the verify-artifact init container runs (with
 * the variant's evaluation data, which it stores for the node's agent).
 */

const tempDir = useTempDirs("artifact-oci");
const repoRoot = fileURLToPath(new URL("../..", import.meta.url));
const key = generateSigningKey();
const SIZE = 4 * 1024 * 1024;
let registry: TestRegistry;
let work: string;

beforeAll(async () => {
  // The registry's storage lives for the whole file (useTempDirs' directories go after each test).
  work = mkdtempSync(join(tmpdir(), "edgefleet-artifact-oci-registry-"));
  writeFileSync(join(work, "key.pem"), key.privateKeyPem);
  registry = await startTestRegistry(work);
}, 60_000);
afterAll(async () => {
  await registry?.stop();
  rmSync(work, { recursive: true, force: true });
});

function run(script: string, args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ["--import", "tsx", script, ...args],
      { cwd: repoRoot, env: { PATH: process.env.PATH, ...env } },
      (err, stdout, stderr) => resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

interface Pushed {
  file: string;
  body: Buffer;
  tag: string;
  artifact: { uri: string; sha256: string; sizeBytes: number; signature: { uri: string; publicKeyRef: { name: string; key: string } } };
}

/** `tools/edgefleet artifacts push` of a new random model file, signed for (model, version) and `scope` flags. */
async function push(repository: string, version: string, size = SIZE, to: TestRegistry = registry, scope: string[] = []): Promise<Pushed> {
  const body = randomBytes(size);
  const file = join(work, `${repository.replace(/\//g, "-")}-${version}.onnx`);
  writeFileSync(file, body);
  const tag = `oci://${to.address}/${repository}:${version}`;
  const args = ["push", "--to", tag, "--key", join(work, "key.pem"), "--model", "detector", "--version", version, ...scope];
  const result = await run("tools/src/artifacts/cli.ts", [...args, "--registry-auth", to.publisherAuth, "--ca-file", to.caFile, file]);
  expect(result, result.stderr).toMatchObject({ code: 0 });
  return { file, body, tag, ...(parse(result.stdout) as { artifact: Pushed["artifact"] }) };
}

/** The artifact as the installer takes it: the public key read from the Secret. */
const spec = (p: Pushed, change: Partial<ArtifactSpec> = {}): ArtifactSpec => ({
  uri: p.artifact.uri,
  sha256: p.artifact.sha256,
  sizeBytes: p.artifact.sizeBytes,
  signature: { uri: p.artifact.signature.uri, publicKeyPem: key.publicKeyPem },
  ...change,
});

function device(options: { registryAuth?: string; from?: TestRegistry } = {}) {
  const cache = ArtifactCache.open({ root: tempDir() });
  const installer = new Installer({
    cache,
    fetchers: {
      https: { extraCa: (options.from ?? registry).ca, sleep: async () => {} },
      oci: options.registryAuth === undefined ? {} : { registryAuth: options.registryAuth },
    },
  });
  const install = (version: string, artifact: ArtifactSpec, onProgress?: (p: Progress) => void) =>
    installer.install({ namespace: "vision", model: "detector", version, artifact, ...(onProgress ? { onProgress } : {}) });
  return { cache, install };
}

/** The verify-artifact init container's environment for a pushed version. */
const podEnv = (pushed: Pushed, version: string): Record<string, string> => ({
  EDGEFLEET_MODEL: "vision/detector",
  EDGEFLEET_MODEL_VERSION: version,
  EDGEFLEET_ARTIFACT_URI: pushed.artifact.uri,
  EDGEFLEET_ARTIFACT_SHA256: pushed.artifact.sha256,
  EDGEFLEET_ARTIFACT_SIZE_BYTES: String(pushed.artifact.sizeBytes),
  EDGEFLEET_SIGNATURE_URI: pushed.artifact.signature.uri,
  EDGEFLEET_SIGNATURE_PUBLIC_KEY: key.publicKeyPem,
  EDGEFLEET_ARTIFACT_CA_BUNDLE: registry.ca,
  EDGEFLEET_REGISTRY_AUTH_FILE: registry.deviceAuth,
});

const deviceAuth = () => readFileSync(registry.deviceAuth, "utf8");
const outcome = (o: InstallOutcome) => (o.installed ? "installed" : `${o.refusal.reason}: ${o.refusal.message}`);

/** The registry's stored copy of a blob (filesystem driver layout), to tamper with. */
function storedBlob(digest: string): string {
  const hex = digest.replace(/^sha256:/, "");
  return join(registry.storageDir, "docker/registry/v2/blobs/sha256", hex.slice(0, 2), hex, "data");
}

describe("oci:// artifacts from a real registry", () => {
  it("publishes with artifacts push and installs by digest with the install command, as the init container does", async () => {
    const pushed = await push("models/detector", "1.0.0");
    expect(pushed.artifact).toMatchObject({
      uri: expect.stringMatching(new RegExp(`^oci://${registry.address}/models/detector@sha256:[a-f0-9]{64}$`)),
      sizeBytes: SIZE,
      signature: { uri: pushed.artifact.uri, publicKeyRef: { name: "edgefleet-model-signing", key: "ed25519.pub" } },
    });
    // The variant's evaluation data, pushed beside it: the install stores it with the same credentials.
    const evaluation = await push("models/detector", "1.0.0-evaluation", 4096);
    const cacheDir = tempDir();
    const env: Record<string, string> = {
      ...podEnv(pushed, "1.0.0"),
      EDGEFLEET_EVALUATION_URI: evaluation.artifact.uri,
      EDGEFLEET_EVALUATION_SHA256: evaluation.artifact.sha256,
    };
    const result = await run("packages/edge-agent/src/artifacts/install-cli.ts", [`--cache-dir=${cacheDir}`], env);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(readFileSync(join(cacheDir, "blobs/sha256", pushed.artifact.sha256))).toEqual(pushed.body);
    expect(readFileSync(join(cacheDir, "blobs/sha256", evaluation.artifact.sha256))).toEqual(evaluation.body);

    // Without the credentials the registry answers 401: refused, naming the fix.
    const { EDGEFLEET_REGISTRY_AUTH_FILE: _, ...anonymous } = env;
    const refused = await run("packages/edge-agent/src/artifacts/install-cli.ts", [`--cache-dir=${tempDir()}`], anonymous);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toContain("asks for credentials (HTTP 401) and none are configured for it");
  });

  it("signs the scoped v2 statement with push --namespace --variant, which an install accepting only scoped statements takes", async () => {
    const cli = "packages/edge-agent/src/artifacts/install-cli.ts";
    const scopedOnly = { EDGEFLEET_VARIANT: "onnx-fp32", EDGEFLEET_SIGNATURE_SCOPED_ONLY: "true" };
    const scoped = await push("models/scoped", "3.0.0", SIZE, registry, ["--namespace", "vision", "--variant", "onnx-fp32"]);
    const accepted = await run(cli, [`--cache-dir=${tempDir()}`], { ...podEnv(scoped, "3.0.0"), ...scopedOnly });
    expect(accepted.code, accepted.stdout + accepted.stderr).toBe(0);
    // Signed without them: the v1 statement, which a trust policy's default refuses.
    const unscoped = await push("models/unscoped", "3.0.0");
    const refused = await run(cli, [`--cache-dir=${tempDir()}`], { ...podEnv(unscoped, "3.0.0"), ...scopedOnly });
    expect(refused.code).toBe(1);
    expect(refused.stdout).toContain("the edgefleet v1 statement names no namespace or variant");
    // Another variant's install refuses the scoped signature.
    const other = await run(cli, [`--cache-dir=${tempDir()}`], {
      ...podEnv(scoped, "3.0.0"),
      ...scopedOnly,
      EDGEFLEET_VARIANT: "onnx-int8",
    });
    expect(other.code).toBe(1);
  });

  it("installs by tag, and refuses wrong credentials, a sha256 the artifact does not have and a tampered blob", async () => {
    const pushed = await push("models/tagged", "2.0.0");
    const byTag = spec(pushed, { uri: pushed.tag, signature: { uri: pushed.tag, publicKeyPem: key.publicKeyPem } });
    const d = device({ registryAuth: deviceAuth() });
    expect(outcome(await d.install("2.0.0", byTag))).toBe("installed");
    expect(readFileSync(d.cache.active("vision", "detector")?.path ?? "")).toEqual(pushed.body);

    const wrongPassword = device({ registryAuth: dockerConfig(registry.address, { ...DEVICE, password: "guess" }) });
    expect(outcome(await wrongPassword.install("2.0.0", byTag))).toMatch(/^download-failed: .*refused the credentials \(HTTP 401\)/);

    // Another file's sha256: the signature names this file's, so it is refused before any download;
    // unsigned (a local experiment), the artifact has no such layer, and the refusal lists what it has.
    const other = "0".repeat(64);
    expect(outcome(await d.install("2.0.0", spec(pushed, { sha256: other })))).toMatch(/^signature-invalid: /);
    const unsigned = new Installer({
      cache: ArtifactCache.open({ root: tempDir() }),
      requireSignature: false,
      fetchers: { https: { extraCa: registry.ca }, oci: { registryAuth: deviceAuth() } },
    });
    const noLayer = await unsigned.install({
      namespace: "vision",
      model: "detector",
      version: "2.0.0",
      artifact: { uri: pushed.artifact.uri, sha256: other, sizeBytes: pushed.artifact.sizeBytes },
    });
    expect(outcome(noLayer)).toContain(
      `has no layer sha256:${other} (the artifact's sha256); layers: ${pushed.file.split("/").at(-1)} sha256:${pushed.artifact.sha256}`,
    );

    const blob = storedBlob(pushed.artifact.sha256);
    const tampered = readFileSync(blob);
    tampered[1000] = (tampered[1000] ?? 0) ^ 0xff;
    writeFileSync(blob, tampered);
    expect(outcome(await device({ registryAuth: deviceAuth() }).install("2.0.0", spec(pushed)))).toMatch(
      new RegExp(`^digest-mismatch: .* has sha256 [a-f0-9]{64}, the artifact's sha256 is ${pushed.artifact.sha256}`),
    );
  });

  it("refuses a manifest that does not hash to the digest it is pinned by", async () => {
    const pushed = await push("models/pinned", "3.0.0", 4096);
    const digest = pushed.artifact.uri.split("@")[1] ?? "";
    const manifest = storedBlob(digest);
    writeFileSync(manifest, readFileSync(manifest, "utf8").replace('"schemaVersion":2', '"schemaVersion": 2'));
    expect(outcome(await device({ registryAuth: deviceAuth() }).install("3.0.0", spec(pushed)))).toMatch(
      new RegExp(`^digest-mismatch: .*the registry's manifest has digest sha256:(?!${digest.slice(7)})`),
    );
  });

  it("resumes a blob download after the connection is cut, with a Range request", async () => {
    const pushed = await push("models/resumed", "4.0.0");
    const proxyPort = Number(registry.address.split(":")[1]);
    const proxy = await TcpProxy.start(proxyPort);
    try {
      const viaProxy = (uri: string) => uri.replace(registry.address, `localhost:${proxy.port}`);
      const registryAuth = dockerConfig(`localhost:${proxy.port}`, DEVICE);
      const d = device({ registryAuth });
      const progress: number[] = [];
      let cut = false;
      const result = await d.install(
        "4.0.0",
        spec(pushed, {
          uri: viaProxy(pushed.artifact.uri),
          signature: { uri: viaProxy(pushed.artifact.uri), publicKeyPem: key.publicKeyPem },
        }),
        (p) => {
          progress.push(p.bytes);
          if (!cut && p.bytes > SIZE / 2) {
            cut = true;
            proxy.cut();
          }
        },
      );
      expect(outcome(result)).toBe("installed");
      expect(cut).toBe(true);
      // Resumed, not restarted: the bytes received never went back to the start.
      expect(progress.every((bytes, n) => bytes > (progress[n - 1] ?? 0))).toBe(true);
      expect(progress.at(-1)).toBe(SIZE);
    } finally {
      await proxy.close();
    }
  });

  it("push tries a dropped connection again, and stops at once on the registry's refusal", async () => {
    const proxy = await TcpProxy.start(Number(registry.address.split(":")[1]));
    try {
      const address = `localhost:${proxy.port}`;
      const file = join(work, "flaky.onnx");
      writeFileSync(file, randomBytes(64 * 1024));
      const delays: number[] = [];
      const retry = { sleep: async (ms: number) => void delays.push(ms) };
      proxy.refuseNext(2);
      const pushed = await pushArtifact({
        file,
        to: `oci://${address}/models/flaky:1`,
        registryAuth: dockerConfig(address, PUBLISHER),
        extraCa: registry.ca,
        retry,
      });
      expect(pushed.uri).toMatch(new RegExp(`^oci://${address}/models/flaky@sha256:[0-9a-f]{64}$`));
      expect(delays).toEqual([500, 1000]);
      // Wrong credentials: the registry's 401 stands, with no retry.
      delays.length = 0;
      await expect(
        pushArtifact({
          file,
          to: `oci://${address}/models/flaky:2`,
          registryAuth: dockerConfig(address, { ...PUBLISHER, password: "guess" }),
          extraCa: registry.ca,
          retry,
        }),
      ).rejects.toThrow("refused the credentials (HTTP 401)");
      expect(delays).toEqual([]);
    } finally {
      await proxy.close();
    }
  });

  it("push explains what is missing", async () => {
    const noAuth = await run("tools/src/artifacts/cli.ts", [
      "push",
      "--to",
      `oci://${registry.address}/models/x:1`,
      "--key",
      join(work, "key.pem"),
      "--model",
      "detector",
      "--version",
      "1",
      "--ca-file",
      registry.caFile,
      join(work, "models-detector-1.0.0.onnx"),
    ]);
    expect(noAuth.code).toBe(1);
    expect(noAuth.stderr).toContain("asks for credentials");
    const noKey = await run("tools/src/artifacts/cli.ts", ["push", "--to", `oci://${registry.address}/models/x:1`, "model.onnx"]);
    expect(noKey).toMatchObject({ code: 2, stderr: expect.stringContaining("--key, --model and --version are required") });
  });
});

describe("oci:// artifacts from a registry with a token endpoint", () => {
  let bearer: TestRegistry;
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "edgefleet-artifact-oci-bearer-"));
    bearer = await startTestRegistry(dir, "bearer");
  }, 60_000);
  afterAll(async () => {
    await bearer?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("pushes and installs with Bearer tokens the token endpoint gives for the credentials, pull only for a device", async () => {
    const pushed = await push("models/bearer", "5.0.0", 64 * 1024, bearer);
    const tokens = bearer.tokenServer?.requests ?? [];
    // The registry's challenge for an upload asks for both actions, in either order.
    expect(tokens.filter((t) => t.user === "publisher").map((t) => t.scope)).toContainEqual(
      expect.stringMatching(/^repository:models\/bearer:(pull,push|push,pull)$/),
    );
    tokens.splice(0);

    const d = device({ registryAuth: readFileSync(bearer.deviceAuth, "utf8"), from: bearer });
    expect(outcome(await d.install("5.0.0", spec(pushed)))).toBe("installed");
    expect(readFileSync(d.cache.active("vision", "detector")?.path ?? "")).toEqual(pushed.body);
    expect(tokens).toContainEqual({ user: "device", scope: "repository:models/bearer:pull" });

    const anonymous = device({ from: bearer });
    expect(outcome(await anonymous.install("5.0.0", spec(pushed)))).toMatch(/asks for credentials \(HTTP 401\) and none are configured/);
    const wrong = device({ registryAuth: dockerConfig(bearer.address, { ...DEVICE, password: "guess" }), from: bearer });
    expect(outcome(await wrong.install("5.0.0", spec(pushed)))).toMatch(
      /token endpoint https:\/\/localhost:\d+\/token refused the credentials \(HTTP 401\)/,
    );
  });
});

describe("oci:// artifacts from a registry without TLS", () => {
  it("is reached over plain HTTP only when the install names it in its plain-HTTP registries", async () => {
    const dir = tempDir();
    const plain = await startOciRegistry({ dir: join(dir, "registry") });
    try {
      const file = join(dir, "detector.onnx");
      const body = randomBytes(64 * 1024);
      writeFileSync(file, body);
      const to = `oci://${plain.address}/models/plain:1.0.0`;
      const pushed = await run("tools/src/artifacts/cli.ts", [
        "push",
        "--to",
        to,
        "--key",
        join(work, "key.pem"),
        "--model",
        "detector",
        "--version",
        "1.0.0",
        "--plain-http",
        file,
      ]);
      expect(pushed, pushed.stderr).toMatchObject({ code: 0 });
      const { artifact } = parse(pushed.stdout) as Pushed;
      const spec: ArtifactSpec = { ...artifact, signature: { uri: artifact.signature.uri, publicKeyPem: key.publicKeyPem } };
      const install = (plainHttpRegistries: string[]) =>
        new Installer({
          cache: ArtifactCache.open({ root: tempDir() }),
          fetchers: { https: { attempts: 1 }, oci: { plainHttpRegistries } },
        }).install({ namespace: "vision", model: "detector", version: "1.0.0", artifact: spec });
      // Never by default: the same URI over HTTPS fails against a plain-HTTP server.
      expect(outcome(await install([]))).toMatch(/^download-failed: /);
      expect(outcome(await install([plain.address]))).toBe("installed");
    } finally {
      await plain.service.dispose();
    }
  });
});
