import { generateKeyPairSync } from "node:crypto";
import { describe, expect, it } from "vitest";
import { refusalOf as refusal } from "../testing/refusal-of.js";
import { encodeEnvelope, generateSigningKey, signStatement, verifyEnvelope } from "./signature.js";

const key = generateSigningKey();
const other = generateSigningKey();
const SHA = "cd".repeat(32);
const expected = { model: "detector", version: "2.0.0", sha256: SHA };
const bytes = (envelope: unknown) => Buffer.from(JSON.stringify(envelope));

describe("verifyEnvelope", () => {
  it("accepts a signature over exactly the expected statement", () => {
    const envelope = signStatement(expected, key.privateKeyPem);
    expect(verifyEnvelope(Buffer.from(encodeEnvelope(envelope)), key.publicKeyPem, expected)).toEqual(expected);
  });

  it("refuses another key's signature as signature-invalid", () => {
    const envelope = signStatement(expected, other.privateKeyPem);
    expect(refusal(() => verifyEnvelope(bytes(envelope), key.publicKeyPem, expected)).reason).toBe("signature-invalid");
  });

  it("refuses a statement edited after signing as signature-invalid", () => {
    const signed = signStatement({ ...expected, version: "1.0.0" }, key.privateKeyPem);
    const envelope = { ...signed, statement: { ...signed.statement, version: "2.0.0" } };
    expect(refusal(() => verifyEnvelope(bytes(envelope), key.publicKeyPem, expected)).reason).toBe("signature-invalid");
  });

  it("refuses a valid signature of this file under an older version as version-mismatch (a downgrade)", () => {
    const envelope = signStatement({ ...expected, version: "1.0.0" }, key.privateKeyPem);
    const r = refusal(() => verifyEnvelope(bytes(envelope), key.publicKeyPem, expected));
    expect(r.reason).toBe("version-mismatch");
    expect(r.message).toMatch(/version "1.0.0".*not "2.0.0"/);
  });

  it("refuses a valid signature of another file or model as signature-invalid", () => {
    const otherFile = signStatement({ ...expected, version: "1.0.0", sha256: "ef".repeat(32) }, key.privateKeyPem);
    expect(refusal(() => verifyEnvelope(bytes(otherFile), key.publicKeyPem, expected)).message).toMatch(/covers sha256/);
    const otherModel = signStatement({ ...expected, model: "classifier" }, key.privateKeyPem);
    expect(refusal(() => verifyEnvelope(bytes(otherModel), key.publicKeyPem, expected)).message).toMatch(/model "classifier"/);
  });

  it("refuses malformed files and unusable keys as signature-invalid", () => {
    const good = signStatement(expected, key.privateKeyPem);
    for (const text of ["", "not json", JSON.stringify({ ...good, signature: "AAAA" }), JSON.stringify({ signature: good.signature })]) {
      expect(refusal(() => verifyEnvelope(Buffer.from(text), key.publicKeyPem, expected)).reason).toBe("signature-invalid");
    }
    const rsa = generateKeyPairSync("rsa", { modulusLength: 1024 }).publicKey.export({ type: "spki", format: "pem" }).toString();
    expect(refusal(() => verifyEnvelope(bytes(good), rsa, expected)).message).toMatch(/must be an Ed25519 key/);
    expect(refusal(() => verifyEnvelope(bytes(good), "not a key", expected)).reason).toBe("signature-invalid");
  });
});

describe("verifyEnvelope with a scoped (v2) statement", () => {
  const scope = { namespace: "vision", variant: "onnx-fp32" };
  const scoped = Buffer.from(encodeEnvelope(signStatement({ ...expected, ...scope }, key.privateKeyPem)));
  const v1 = Buffer.from(encodeEnvelope(signStatement(expected, key.privateKeyPem)));

  it("accepts it for its namespace and variant, also where only scoped statements count", () => {
    expect(verifyEnvelope(scoped, key.publicKeyPem, { ...expected, ...scope, scopedOnly: true })).toEqual({ ...expected, ...scope });
  });

  it("refuses it for another namespace or variant as signature-invalid, naming both", () => {
    const otherNs = refusal(() => verifyEnvelope(scoped, key.publicKeyPem, { ...expected, ...scope, namespace: "audio" }));
    expect(otherNs).toMatchObject({ reason: "signature-invalid", message: 'signature is for namespace "vision", not "audio"' });
    const otherVariant = refusal(() => verifyEnvelope(scoped, key.publicKeyPem, { ...expected, ...scope, variant: "trt-fp16" }));
    expect(otherVariant.message).toBe('signature is for variant "onnx-fp32", not "trt-fp16"');
  });

  it("keeps accepting a v1 statement unless only scoped statements count", () => {
    expect(verifyEnvelope(v1, key.publicKeyPem, { ...expected, ...scope })).toEqual(expected);
    const refused = refusal(() => verifyEnvelope(v1, key.publicKeyPem, { ...expected, ...scope, scopedOnly: true }));
    expect(refused.reason).toBe("signature-invalid");
    expect(refused.message).toMatch(/the edgefleet v1 statement names no namespace or variant.*re-sign with --namespace and --variant/);
  });
});
