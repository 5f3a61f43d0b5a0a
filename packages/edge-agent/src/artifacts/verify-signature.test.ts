import { createHash, generateKeyPairSync, type KeyObject, sign } from "node:crypto";
import { describe, expect, it } from "vitest";
import { refusalOf as refusal } from "../testing/refusal-of.js";
import { MODEL_SIGNING_PREDICATE } from "./in-toto.js";
import { encodeEnvelope, generateSigningKey, signStatement } from "./signature.js";
import { pae } from "./sigstore-bundle.js";
import { verifySignatureFile } from "./verify-signature.js";

// Signatures made here with node:crypto, in the shapes the real tools write, for the edge cases;
// fixtures.test.ts checks the real tools' own output.
const FILE = Buffer.from("model bytes ".repeat(100));
const SHA = createHash("sha256").update(FILE).digest("hex");
const OTHER_SHA = "ab".repeat(32);
const expected = { model: "detector", version: "2.0.0", sha256: SHA };

const pem = (key: KeyObject) => key.export({ type: "spki", format: "pem" }).toString();
const ec = generateKeyPairSync("ec", { namedCurve: "P-256" });
const otherEc = generateKeyPairSync("ec", { namedCurve: "P-256" });
const rsa = generateKeyPairSync("rsa", { modulusLength: 2048 });
const ed = generateKeyPairSync("ed25519");

const verifyText = (text: string, key: KeyObject) => verifySignatureFile(Buffer.from(text), pem(key), expected);
const refused = (text: string, key: KeyObject) => refusal(() => verifyText(text, key));

const messageBundle = (signature: Buffer, sha256 = SHA, extra: object = {}) =>
  JSON.stringify({
    mediaType: "application/vnd.dev.sigstore.bundle.v0.3+json",
    verificationMaterial: { publicKey: { hint: "" }, tlogEntries: [], ...extra },
    messageSignature: {
      messageDigest: { algorithm: "SHA2_256", digest: Buffer.from(sha256, "hex").toString("base64") },
      signature: signature.toString("base64"),
    },
  });

function modelSigningStatement(digests: string[]) {
  const root = createHash("sha256");
  for (const d of digests) root.update(Buffer.from(d, "hex"));
  return {
    _type: "https://in-toto.io/Statement/v1",
    subject: [{ name: "model.onnx", digest: { sha256: root.digest("hex") } }],
    predicateType: MODEL_SIGNING_PREDICATE,
    predicate: {
      serialization: { hash_type: "sha256", allow_symlinks: false, method: "files", ignore_paths: [] },
      resources: digests.map((digest, i) => ({ name: digests.length === 1 ? "." : `f${i}`, algorithm: "sha256", digest })),
    },
  };
}

function dsseBundle(statement: object, key: KeyObject, hash: string | null = "sha256") {
  const payload = Buffer.from(JSON.stringify(statement));
  const payloadType = "application/vnd.in-toto+json";
  const sig = sign(hash, pae(payloadType, payload), key);
  return JSON.stringify({
    mediaType: "application/vnd.dev.sigstore.bundle.v0.3+json",
    verificationMaterial: { publicKey: { hint: "x" }, tlogEntries: [] },
    dsseEnvelope: { payload: payload.toString("base64"), payloadType, signatures: [{ sig: sig.toString("base64"), keyid: "" }] },
  });
}

describe("cosign sign-blob signatures (base64 over the file)", () => {
  const ecSig = sign("sha256", FILE, ec.privateKey).toString("base64");

  it("verifies an ECDSA P-256 signature of the file from its sha256 alone", () => {
    expect(verifyText(`${ecSig}\n`, ec.publicKey)).toBe("cosign");
  });

  it("verifies an RSA PKCS#1 v1.5 signature of the file", () => {
    expect(verifyText(sign("sha256", FILE, rsa.privateKey).toString("base64"), rsa.publicKey)).toBe("cosign");
  });

  it("refuses another key's signature, or one over another file, naming the artifact's sha256", () => {
    expect(refused(ecSig, otherEc.publicKey).message).toMatch(/made with another key or over another file/);
    const otherFile = sign("sha256", Buffer.from("tampered"), ec.privateKey).toString("base64");
    const r = refused(otherFile, ec.publicKey);
    expect(r.reason).toBe("signature-invalid");
    expect(r.message).toContain(SHA);
  });

  it("refuses an Ed25519 key, which signs the whole file rather than its digest", () => {
    expect(refused(ecSig, ed.publicKey).message).toMatch(/needs an ECDSA P-256 or an RSA key; the model's public key is ed25519/);
  });

  it("reads cosign's own bundle (--new-bundle-format=false) and refuses a keyless one", () => {
    expect(verifyText(JSON.stringify({ base64Signature: ecSig, rekorBundle: null }), ec.publicKey)).toBe("cosign");
    expect(refused(JSON.stringify({ base64Signature: ecSig, cert: "LS0t" }), ec.publicKey).message).toMatch(/keyless/);
  });
});

describe("Sigstore bundles with a message signature", () => {
  it("verifies the signature and the digest it claims", () => {
    expect(verifyText(messageBundle(sign("sha256", FILE, ec.privateKey)), ec.publicKey)).toBe("sigstore-bundle");
  });

  it("ignores transparency log entries, and reads the v0.1/v0.2 media types", () => {
    const signature = sign("sha256", FILE, ec.privateKey);
    const withLog = messageBundle(signature, SHA, { tlogEntries: [{ logIndex: "1", inclusionPromise: { signedEntryTimestamp: "AA==" } }] });
    expect(verifyText(withLog, ec.publicKey)).toBe("sigstore-bundle");
    const v01 = { ...JSON.parse(messageBundle(signature)), mediaType: "application/vnd.dev.sigstore.bundle+json;version=0.1" };
    expect(verifyText(JSON.stringify(v01), ec.publicKey)).toBe("sigstore-bundle");
  });

  it("refuses a valid bundle of another file, naming both digests", () => {
    const other = Buffer.from("another model");
    const otherSha = createHash("sha256").update(other).digest("hex");
    const r = refused(messageBundle(sign("sha256", other, ec.privateKey), otherSha), ec.publicKey);
    expect(r.message).toBe(`the Sigstore bundle signs a file with sha256 ${otherSha}, not the artifact's ${SHA}`);
  });

  it("refuses a bundle whose signature is another key's", () => {
    expect(refused(messageBundle(sign("sha256", FILE, otherEc.privateKey)), ec.publicKey).message).toMatch(/does not verify/);
  });

  it("refuses keyless bundles (a certificate instead of a key)", () => {
    const keyless = messageBundle(sign("sha256", FILE, ec.privateKey), SHA, { certificate: { rawBytes: "MII=" } });
    expect(refused(keyless, ec.publicKey).message).toMatch(/keyless Sigstore signing/);
  });
});

describe("Sigstore bundles with a DSSE envelope", () => {
  it("verifies a model-signing statement of a single-file model", () => {
    expect(verifyText(dsseBundle(modelSigningStatement([SHA]), ec.privateKey), ec.publicKey)).toBe("sigstore-bundle/model-signing");
  });

  it("verifies with P-384 (SHA-384) and Ed25519 keys", () => {
    const p384 = generateKeyPairSync("ec", { namedCurve: "P-384" });
    expect(verifyText(dsseBundle(modelSigningStatement([SHA]), p384.privateKey, "sha384"), p384.publicKey)).toBe(
      "sigstore-bundle/model-signing",
    );
    expect(verifyText(dsseBundle(modelSigningStatement([SHA]), ed.privateKey, null), ed.publicKey)).toBe("sigstore-bundle/model-signing");
  });

  it("refuses a model-signing bundle of another file, naming the digests", () => {
    const r = refused(dsseBundle(modelSigningStatement([OTHER_SHA]), ec.privateKey), ec.publicKey);
    expect(r.message).toBe(`the model-signing statement covers a file with sha256 ${OTHER_SHA}, not the artifact's ${SHA}`);
  });

  it("refuses a multi-file model's statement and an inconsistent subject", () => {
    expect(refused(dsseBundle(modelSigningStatement([SHA, OTHER_SHA]), ec.privateKey), ec.publicKey).message).toMatch(
      /lists 2 files .*a single-file model's lists exactly one/,
    );
    const statement = modelSigningStatement([SHA]);
    statement.subject[0] = { name: "model.onnx", digest: { sha256: OTHER_SHA } };
    expect(refused(dsseBundle(statement, ec.privateKey), ec.publicKey).message).toMatch(/subject digest .* is not the digest of its files/);
  });

  it("refuses a tampered payload and another key's signature", () => {
    const bundle = JSON.parse(dsseBundle(modelSigningStatement([OTHER_SHA]), ec.privateKey));
    bundle.dsseEnvelope.payload = Buffer.from(JSON.stringify(modelSigningStatement([SHA]))).toString("base64");
    expect(refused(JSON.stringify(bundle), ec.publicKey).message).toMatch(/none of the bundle's 1 DSSE signature\(s\) verifies/);
    expect(refused(dsseBundle(modelSigningStatement([SHA]), otherEc.privateKey), ec.publicKey).reason).toBe("signature-invalid");
  });

  it("accepts another in-toto statement (cosign attest-blob) whose subject is the file", () => {
    const statement = {
      _type: "https://in-toto.io/Statement/v1",
      subject: [{ name: "m", digest: { sha256: SHA } }],
      predicateType: "x",
      predicate: {},
    };
    expect(verifyText(dsseBundle(statement, ec.privateKey), ec.publicKey)).toBe("sigstore-bundle/in-toto");
    const other = { ...statement, subject: [{ name: "m", digest: { sha256: OTHER_SHA } }] };
    expect(refused(dsseBundle(other, ec.privateKey), ec.publicKey).message).toBe(
      `the statement's subjects have sha256 ${OTHER_SHA}, not the artifact's ${SHA}`,
    );
  });
});

describe("format detection", () => {
  it("keeps edgefleet's envelope, with its downgrade check", () => {
    const key = generateSigningKey();
    const envelope = encodeEnvelope(signStatement({ ...expected, version: "1.0.0" }, key.privateKeyPem));
    expect(verifySignatureFile(Buffer.from(encodeEnvelope(signStatement(expected, key.privateKeyPem))), key.publicKeyPem, expected)).toBe(
      "edgefleet",
    );
    expect(refusal(() => verifySignatureFile(Buffer.from(envelope), key.publicKeyPem, expected)).reason).toBe("version-mismatch");
  });

  it("refuses what is no format, naming the formats", () => {
    for (const text of ["", "not base64!", "[1]", "{}", '{"mediaType":"application/vnd.dev.sigstore.bundle+json;version=9"}']) {
      const r = refused(text, ec.publicKey);
      expect(r.reason).toBe("signature-invalid");
      expect(r.message).toMatch(/^malformed signature file: /);
    }
  });
});

describe("several allowed keys (a trust policy's rotation)", () => {
  const both = (a: KeyObject, b: KeyObject) => pem(a) + pem(b);
  const envelope = (key: KeyObject, version = expected.version) =>
    Buffer.from(encodeEnvelope(signStatement({ ...expected, version }, key.export({ type: "pkcs8", format: "pem" }).toString())));

  it("accepts an edgefleet statement signed by the second key", () => {
    const other = generateKeyPairSync("ed25519");
    expect(verifySignatureFile(envelope(ed.privateKey), both(other.publicKey, ed.publicKey), expected)).toBe("edgefleet");
  });

  it("reports a replayed version signed by one of them as version-mismatch, not as a wrong key", () => {
    const other = generateKeyPairSync("ed25519");
    const replay = refusal(() => verifySignatureFile(envelope(ed.privateKey, "1.0.0"), both(other.publicKey, ed.publicKey), expected));
    expect(replay.reason).toBe("version-mismatch");
  });
});
