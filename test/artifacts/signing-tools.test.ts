import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { ArtifactSpec } from "@edgefleet/edge-agent";
import { useTempDirs } from "@edgefleet/kit";
import { loadToolchain } from "@edgefleet/tools";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { podEnv, runInstall } from "./install-command.js";
import { sha256 } from "./publish.js";
import { startServer, type TestServer } from "./server.js";

/*
 * Signatures made by the tools users sign with, installed by the install command as the
 * verify-artifact init container runs it, over HTTPS: OpenSSF model_signing from the toolchain's
 * Python venv, signing in the test, and cosign's recorded outputs (see cosignRecorded). No
 * signature here is made by edgefleet's code.
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

const run = (tool: string, args: string[]) => execFileSync(toolchain.bin(tool), args, { cwd: dir, stdio: "pipe" }).toString();

/** An ECDSA P-256 key made by openssl, as model_signing takes it; returns the public key PEM. */
function opensslKey(name: string): string {
  execFileSync("openssl", ["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", join(dir, `${name}.ec.pem`)]);
  execFileSync("openssl", ["pkcs8", "-topk8", "-nocrypt", "-in", join(dir, `${name}.ec.pem`), "-out", join(dir, `${name}.pem`)]);
  return execFileSync("openssl", ["pkey", "-in", join(dir, `${name}.pem`), "-pubout"]).toString();
}

/** A model file (random bytes by default), served at /<name>; its signature file (made by the test) at /<name>.sig. */
function model(name: string, body: Buffer = randomBytes(256 * 1024)): { file: string; body: Buffer } {
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

interface Signer {
  /** The install log's `signature` for it. */
  format: string;
  /** The file it signs, when not a random one. */
  body?: () => Buffer;
  /** Makes a key pair in the test's directory; returns the public key PEM. */
  key(name: string): string;
  /** Signs `file` with the key made as `name`, writing `out`. */
  sign(name: string, file: string, out: string): void;
  /** What a refusal of its signature of another file says, given the signed and the artifact's digests. */
  otherFile(signed: string, artifact: string): string;
}

/**
 * cosign's outputs as recorded (packages/edge-agent/fixtures/signatures, made by cosign v3.1.3 with
 * the commands in its README): cosign is an optional toolchain component, its cold build taking 23
 * minutes. Its keys are the recorded public keys; the file signed is always the recorded model.bin.
 */
const recorded = (name: string) => readFileSync(fileURLToPath(import.meta.resolve(`@edgefleet/edge-agent/fixtures/signatures/${name}`)));
const cosignRecorded = (signature: string, publicKey: string): Pick<Signer, "key" | "sign" | "body"> => ({
  body: () => recorded("model.bin"),
  key: (name) => (name === "signer" ? recorded(publicKey) : recorded("model-signing.pub")).toString("utf8"),
  sign: (_name, _file, out) => writeFileSync(join(dir, out), recorded(signature)),
});

const SIGNERS: Record<string, Signer> = {
  "cosign sign-blob --output-signature": {
    format: "cosign",
    ...cosignRecorded("model.bin.sig", "cosign.pub"),
    // A signature over a digest alone cannot tell another file from another key.
    otherFile: (_signed, artifact) =>
      `with the model's public key over the artifact's sha256 ${artifact}: it was made with another key or over another file`,
  },
  "cosign sign-blob --bundle": {
    format: "sigstore-bundle",
    ...cosignRecorded("model.bin.cosign.bundle", "cosign.pub"),
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
    const { file, body } = model("model.onnx", signer.body?.());
    signer.sign("signer", file, "model.onnx.sig");
    const spec = serveSignature(file, "model.onnx.sig", publicKeyPem, body);
    expect(await install(spec)).toMatchObject(installed(signer.format));
    const wrongKey = await install({ ...spec, signature: { uri: spec.signature?.uri ?? "", publicKeyPem: otherPem } });
    expect(wrongKey).toMatchObject(refused("signature-invalid"));
  }, 120_000);

  it("is refused when tampered with, whether or not the EdgeModel names the tampered file's digest", async () => {
    const publicKeyPem = signer.key("signer");
    const { file, body } = model("model.onnx", signer.body?.());
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
