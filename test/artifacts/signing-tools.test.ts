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

interface Signer {
  /** The install log's `signature` for it. */
  format: string;
  /** Makes a key pair in the test's directory; returns the public key PEM. */
  key(name: string): string;
  /** Signs `file` with the key made as `name`, writing `out`. */
  sign(name: string, file: string, out: string): void;
  /** What a refusal of its signature of another file says, given the signed and the artifact's digests. */
  otherFile(signed: string, artifact: string): string;
}

const cosignBlob = (extra: string[]): Pick<Signer, "key" | "sign"> => ({
  key: cosignKey,
  sign: (name, file, out) => run("cosign", ["sign-blob", `--key=${name}.key`, ...COSIGN_OFFLINE, ...extra, out, file]),
});

const SIGNERS: Record<string, Signer> = {
  "cosign sign-blob --output-signature": {
    format: "cosign",
    ...cosignBlob(["--new-bundle-format=false", "--output-signature"]),
    // A signature over a digest alone cannot tell another file from another key.
    otherFile: (_signed, artifact) =>
      `with the model's public key over the artifact's sha256 ${artifact}: it was made with another key or over another file`,
  },
  "cosign sign-blob --bundle": {
    format: "sigstore-bundle",
    ...cosignBlob(["--bundle"]),
    otherFile: (signed, artifact) => `signs a file with sha256 ${signed}, not the artifact's ${artifact}`,
  },
  "model_signing sign key": {
    format: "sigstore-bundle/model-signing",
    key: opensslKey,
    sign: (name, file, out) => run("model_signing", ["sign", "key", `--private_key=${name}.pem`, `--signature=${out}`, file]),
    otherFile: (signed, artifact) => `covers a file with sha256 ${signed}, not the artifact's ${artifact}`,
  },
};

describe.each(Object.entries(SIGNERS))("a model file signed with %s", (_tool, signer) => {
  it("is installed with the signer's key, and refused with another key", async () => {
    const [publicKeyPem, otherPem] = [signer.key("signer"), signer.key("other")];
    const { file, body } = model("model.onnx");
    signer.sign("signer", file, "model.onnx.sig");
    const spec = serveSignature(file, "model.onnx.sig", publicKeyPem, body);
    expect(await install(spec)).toMatchObject(installed(signer.format));
    const wrongKey = await install({ ...spec, signature: { uri: spec.signature?.uri ?? "", publicKeyPem: otherPem } });
    expect(wrongKey).toMatchObject(refused("signature-invalid"));
  }, 120_000);

  it("is refused when tampered with, whether or not the EdgeModel names the tampered file's digest", async () => {
    const publicKeyPem = signer.key("signer");
    const { file, body } = model("model.onnx");
    signer.sign("signer", file, "model.onnx.sig");
    const spec = serveSignature(file, "model.onnx.sig", publicKeyPem, body);
    const tampered = Buffer.from(body);
    tampered[100] = (tampered[100] ?? 0) ^ 0xff;
    server.routes.set(`/${file}`, { body: tampered });
    // The server sends other bytes than were signed, under the signed file's digest.
    expect(await install(spec)).toMatchObject(refused("digest-mismatch"));
    // An EdgeModel naming the tampered bytes' digest: the signature is of another file.
    const result = await install({ ...spec, sha256: sha256(tampered) });
    expect(result).toMatchObject(refused("signature-invalid"));
    expect(result.out).toContain(signer.otherFile(sha256(body), sha256(tampered)));
  }, 120_000);
});
