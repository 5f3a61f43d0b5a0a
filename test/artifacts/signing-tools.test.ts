import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { ArtifactSpec } from "@edgefleet/edge-agent";
import { useTempDirs } from "@edgefleet/kit";
import { loadToolchain } from "@edgefleet/tools";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { podEnv, runInstall } from "./install-command.js";
import { sha256 } from "./publish.js";
import { startServer, type TestServer } from "./server.js";

/*
 * Signatures made by the tools users sign with (cosign and OpenSSF model_signing, from the
 * toolchain), installed by the install command as the verify-artifact init container runs it,
 * over HTTPS. No signature here is made by edgefleet's code.
 */

const tempDir = useTempDirs("artifact-signing-tools");
const toolchain = loadToolchain();
let server: TestServer;
let dir: string;

beforeAll(async () => {
  server = await startServer("artifact-signing-tools");
});
afterAll(() => server.close());
// Keys, model files and signatures of one test.
beforeEach(() => {
  dir = tempDir();
});

const COSIGN_PASSWORD = "test-password";
const run = (tool: string, args: string[]) =>
  execFileSync(toolchain.bin(tool), args, { cwd: dir, env: { ...process.env, COSIGN_PASSWORD }, stdio: "pipe" }).toString();

/** A cosign key pair in `<prefix>.key` / `<prefix>.pub`; returns the public key PEM. */
function cosignKey(prefix: string): string {
  run("cosign", ["generate-key-pair", `--output-key-prefix=${prefix}`]);
  return readFileSync(join(dir, `${prefix}.pub`), "utf8");
}

/** An ECDSA P-256 key made by openssl, as model_signing takes it; returns the public key PEM. */
function opensslKey(name: string): string {
  execFileSync("openssl", ["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", join(dir, `${name}.ec.pem`)]);
  execFileSync("openssl", ["pkcs8", "-topk8", "-nocrypt", "-in", join(dir, `${name}.ec.pem`), "-out", join(dir, `${name}.pem`)]);
  return execFileSync("openssl", ["pkey", "-in", join(dir, `${name}.pem`), "-pubout"]).toString();
}

/** A random model file, served at /<name>; its signature file (made by the test) at /<name>.sig. */
function model(name: string, bytes = 256 * 1024): { file: string; body: Buffer } {
  const body = randomBytes(bytes);
  writeFileSync(join(dir, name), body);
  server.routes.set(`/${name}`, { body });
  return { file: name, body };
}

function serveSignature(name: string, signatureFile: string, publicKeyPem: string, body: Buffer): ArtifactSpec {
  server.routes.set(`/${name}.sig`, { body: readFileSync(join(dir, signatureFile)) });
  return {
    uri: `${server.origin}/${name}`,
    sha256: sha256(body),
    sizeBytes: body.length,
    signature: { uri: `${server.origin}/${name}.sig`, publicKeyPem },
  };
}

const install = (spec: ArtifactSpec) => runInstall({ ...podEnv(spec, "1.0.0"), EDGEFLEET_ARTIFACT_CA_BUNDLE: server.ca }, tempDir());
const installed = (format: string) => ({
  code: 0,
  lines: expect.arrayContaining([expect.objectContaining({ msg: "artifact installed", signature: format })]),
});
const refused = (reason: string) => ({ code: 1, last: expect.objectContaining({ reason }) });

// cosign signs offline: no transparency log upload, no signing config from Sigstore's TUF root.
const COSIGN_OFFLINE = ["--tlog-upload=false", "--use-signing-config=false", "--yes"];

describe("cosign sign-blob --key", () => {
  it("installs a file with its plain signature (--output-signature) and refuses another key's", async () => {
    const [cosignPub, otherPub] = [cosignKey("cosign"), cosignKey("other")];
    const { file, body } = model("plain.onnx");
    run("cosign", ["sign-blob", "--key=cosign.key", ...COSIGN_OFFLINE, "--new-bundle-format=false", "--output-signature=plain.sig", file]);
    const spec = serveSignature(file, "plain.sig", cosignPub, body);
    expect(await install(spec)).toMatchObject(installed("cosign"));
    const wrongKey = await install({ ...spec, signature: { uri: spec.signature?.uri ?? "", publicKeyPem: otherPub } });
    expect(wrongKey).toMatchObject(refused("signature-invalid"));
    expect(String(wrongKey.last.detail ?? wrongKey.out)).toMatch(/another key or over another file/);
  }, 120_000);

  it("installs a file with its Sigstore bundle (--bundle) and refuses a tampered file", async () => {
    const cosignPub = cosignKey("cosign");
    const { file, body } = model("bundled.onnx");
    run("cosign", ["sign-blob", "--key=cosign.key", ...COSIGN_OFFLINE, "--bundle=bundled.json", file]);
    const spec = serveSignature(file, "bundled.json", cosignPub, body);
    expect(await install(spec)).toMatchObject(installed("sigstore-bundle"));

    // The server sends other bytes than were signed: the digest the EdgeModel names is the signed file's.
    const tampered = Buffer.from(body);
    tampered[100] = (tampered[100] ?? 0) ^ 0xff;
    server.routes.set(`/${file}`, { body: tampered });
    expect(await install(spec)).toMatchObject(refused("digest-mismatch"));
    // And an EdgeModel that names the tampered file's digest: the bundle signs another one.
    const result = await install({ ...spec, sha256: sha256(tampered) });
    expect(result).toMatchObject(refused("signature-invalid"));
    expect(result.out).toContain(`signs a file with sha256 ${sha256(body)}, not the artifact's ${sha256(tampered)}`);
  }, 120_000);
});

describe("model_signing sign key", () => {
  it("installs a single-file model with its model-signing bundle, refusing another key and another file", async () => {
    const publicKeyPem = opensslKey("ms");
    const otherPem = opensslKey("ms-other");
    const { file, body } = model("signed-model.onnx");
    run("model_signing", ["sign", "key", "--private_key=ms.pem", "--signature=signed-model.sig.json", file]);
    const spec = serveSignature(file, "signed-model.sig.json", publicKeyPem, body);
    expect(await install(spec)).toMatchObject(installed("sigstore-bundle/model-signing"));

    expect(await install({ ...spec, signature: { uri: spec.signature?.uri ?? "", publicKeyPem: otherPem } })).toMatchObject(
      refused("signature-invalid"),
    );
    // The bundle of this file served as another file's signature.
    const other = model("other-model.onnx");
    const result = await install({ ...spec, uri: `${server.origin}/${other.file}`, sha256: sha256(other.body) });
    expect(result).toMatchObject(refused("signature-invalid"));
    expect(result.out).toContain(`covers a file with sha256 ${sha256(body)}, not the artifact's ${sha256(other.body)}`);
  }, 120_000);
});
