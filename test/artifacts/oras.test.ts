import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { encodeEnvelope, generateSigningKey, MODEL_ARTIFACT_TYPE, SIGNATURE_LAYER_TYPE, signStatement } from "@edgefleet/edge-agent";
import { useTempDirs } from "@edgefleet/kit";
import { loadToolchain } from "@edgefleet/tools";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { podEnv, runInstall } from "./install-command.js";
import { startTestRegistry, type TestRegistry } from "./oci-registry.js";
import { sha256 } from "./publish.js";

/*
 * Interop with the ORAS CLI (from the toolchain) against the real registry (CNCF Distribution over
 * HTTPS with a private CA and htpasswd users): the oras commands docs/artifacts.md shows, run as
 * written there, push what the install command installs, and pull what `tools/edgefleet artifacts
 * push` pushed.
 */

const tempDir = useTempDirs("artifact-oras");
const repoRoot = fileURLToPath(new URL("../..", import.meta.url));
const oras = loadToolchain().bin("oras");
const key = generateSigningKey();
/** The registry and digest the docs' examples name, replaced by the test's. */
const DOCS_REGISTRY = "registry.example.com:5000";
const DOCS_DIGEST = "sha256:5b0c…e1f4";
let registry: TestRegistry;
let work: string;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "edgefleet-artifact-oras-registry-"));
  registry = await startTestRegistry(work);
}, 60_000);
afterAll(async () => {
  await registry?.stop();
  rmSync(work, { recursive: true, force: true });
});

/** The `oras …` command lines of docs/artifacts.md, continuation lines joined, comments left out. */
function docsCommands(): string[][] {
  const doc = readFileSync(join(repoRoot, "docs/artifacts.md"), "utf8");
  const blocks = [...doc.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1] ?? "");
  return blocks
    .flatMap((block) => block.replace(/\\\n\s*/g, "").split("\n"))
    .filter((line) => line.startsWith("oras "))
    .map((line) => line.split(/\s+/).slice(1));
}

function docsCommand(subcommand: string): string[] {
  const words = subcommand.split(" ");
  const found = docsCommands().find((args) => words.every((w, i) => args[i] === w));
  if (!found) throw new Error(`docs/artifacts.md shows no \`oras ${subcommand}\``);
  return found;
}

/** Runs oras in dir with the docs' registry and digest made the test's, and the credentials and CA the docs say to add. */
function runOras(
  args: string[],
  dir: string,
  options: { digest?: string; auth: string; repository?: string },
): Promise<{ code: number; stdout: string; stderr: string }> {
  const actual = args.map((a) => {
    let s = a.replace(DOCS_REGISTRY, registry.address);
    if (options.repository) s = s.replace("/models/detector", `/${options.repository}`);
    return options.digest ? s.replace(DOCS_DIGEST, options.digest) : s;
  });
  return new Promise((resolve) => {
    execFile(
      oras,
      // ORAS speaks plain HTTP to localhost unless told otherwise; the test registry is HTTPS.
      [...actual, "--registry-config", options.auth, "--ca-file", registry.caFile, "--plain-http=false"],
      { cwd: dir, env: { PATH: process.env.PATH, HOME: dir } },
      (err, stdout, stderr) => resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe("ORAS interop with a real registry", () => {
  it("installs what `oras push` pushed as the docs show, by digest and by tag", async () => {
    const dir = tempDir();
    const body = randomBytes(256 * 1024);
    writeFileSync(join(dir, "detector.onnx"), body);
    const envelope = signStatement({ model: "detector", version: "2026.11.1", sha256: sha256(body) }, key.privateKeyPem);
    writeFileSync(join(dir, "detector.onnx.sig"), encodeEnvelope(envelope));

    const pushed = await runOras(docsCommand("push"), dir, { auth: registry.publisherAuth });
    expect(pushed, pushed.stderr).toMatchObject({ code: 0 });
    const resolved = await runOras(docsCommand("resolve"), dir, { auth: registry.publisherAuth });
    expect(resolved, resolved.stderr).toMatchObject({ code: 0 });
    const digest = resolved.stdout.trim();
    expect(digest).toMatch(/^sha256:[a-f0-9]{64}$/);

    const byDigest = `oci://${registry.address}/models/detector@${digest}`;
    const spec = {
      uri: byDigest,
      sha256: sha256(body),
      sizeBytes: body.length,
      signature: { uri: byDigest, publicKeyPem: key.publicKeyPem },
    };
    const device = { EDGEFLEET_ARTIFACT_CA_BUNDLE: registry.ca, EDGEFLEET_REGISTRY_AUTH_FILE: registry.deviceAuth };
    const cacheDir = tempDir();
    const installed = await runInstall({ ...podEnv(spec, "2026.11.1"), ...device }, cacheDir);
    expect(installed.code, installed.out).toBe(0);
    expect(readFileSync(join(cacheDir, "blobs/sha256", spec.sha256))).toEqual(body);

    const byTag = `oci://${registry.address}/models/detector:2026.11.1`;
    const tagged = { ...spec, uri: byTag, signature: { uri: byTag, publicKeyPem: key.publicKeyPem } };
    const fromTag = await runInstall({ ...podEnv(tagged, "2026.11.1"), ...device }, tempDir());
    expect(fromTag.code, fromTag.out).toBe(0);

    // The layout the agent read: ORAS's default layer type for the model file, edgefleet's for the signature.
    const manifest = await runOras(docsCommand("manifest fetch"), dir, { digest, auth: registry.deviceAuth });
    expect(JSON.parse(manifest.stdout)).toMatchObject({
      artifactType: MODEL_ARTIFACT_TYPE,
      layers: [
        { mediaType: "application/vnd.oci.image.layer.v1.tar", annotations: { "org.opencontainers.image.title": "detector.onnx" } },
        { mediaType: SIGNATURE_LAYER_TYPE, annotations: { "org.opencontainers.image.title": "detector.onnx.sig" } },
      ],
    });
  });

  it("`oras pull` gets what `artifacts push` pushed byte for byte, and `oras manifest fetch` shows its types", async () => {
    const dir = tempDir();
    const body = randomBytes(256 * 1024);
    const file = join(dir, "detector.onnx");
    writeFileSync(file, body);
    writeFileSync(join(dir, "key.pem"), key.privateKeyPem);
    const args = ["push", "--to", `oci://${registry.address}/models/pushed:2026.11.1`, "--key", join(dir, "key.pem")];
    const pushed = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        ["--import", "tsx", "tools/src/artifacts/cli.ts", ...args, "--model", "detector", "--version", "2026.11.1"].concat([
          "--registry-auth",
          registry.publisherAuth,
          "--ca-file",
          registry.caFile,
          file,
        ]),
        { cwd: repoRoot, env: { PATH: process.env.PATH } },
        (err, stdout, stderr) => resolve({ code: err ? 1 : 0, stdout, stderr }),
      );
    });
    expect(pushed, pushed.stderr).toMatchObject({ code: 0 });
    const { artifact } = parse(pushed.stdout) as { artifact: { uri: string } };
    const digest = artifact.uri.split("@")[1] ?? "";

    const out = tempDir();
    const pulled = await runOras(docsCommand("pull"), out, { digest, auth: registry.deviceAuth, repository: "models/pushed" });
    expect(pulled, pulled.stderr).toMatchObject({ code: 0 });
    expect(readFileSync(join(out, "detector.onnx"))).toEqual(body);
    const signature = readFileSync(join(out, "detector.onnx.sig"), "utf8");
    expect(JSON.parse(signature)).toMatchObject({ statement: { model: "detector", version: "2026.11.1", sha256: sha256(body) } });

    const fetched = await runOras(docsCommand("manifest fetch"), out, { digest, auth: registry.deviceAuth, repository: "models/pushed" });
    expect(fetched, fetched.stderr).toMatchObject({ code: 0 });
    // Byte for byte the manifest artifacts push put, whose digest the EdgeModel pins.
    expect(sha256(Buffer.from(fetched.stdout))).toBe(digest.slice("sha256:".length));
    expect(JSON.parse(fetched.stdout)).toEqual({
      schemaVersion: 2,
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      artifactType: MODEL_ARTIFACT_TYPE,
      config: expect.objectContaining({ mediaType: "application/vnd.oci.empty.v1+json", size: 2 }),
      layers: [
        expect.objectContaining({
          mediaType: "application/vnd.edgefleet.model.file.v1",
          digest: `sha256:${sha256(body)}`,
          size: body.length,
          annotations: { "org.opencontainers.image.title": "detector.onnx" },
        }),
        expect.objectContaining({
          mediaType: SIGNATURE_LAYER_TYPE,
          annotations: { "org.opencontainers.image.title": "detector.onnx.sig" },
        }),
      ],
    });
  });
});
