import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject, sign, verify } from "node:crypto";
import { ArtifactRefusal } from "./refusal.js";
import {
  type ArtifactStatement,
  canonicalStatement,
  checkStatement,
  type ExpectedArtifact,
  isScoped,
  typedStatement,
} from "./statement.js";

/**
 * The detached signature file: the statement and an Ed25519 signature over its canonical bytes.
 * The statement travels with the signature so a valid signature for another version can be told
 * apart from a forged one (version-mismatch rather than signature-invalid).
 */
export interface SignatureEnvelope {
  statement: ArtifactStatement & { type: string };
  /** Base64 of the 64-byte Ed25519 signature over canonicalStatement(statement). */
  signature: string;
}

/** Why a signature naming no namespace and variant is refused where only scoped ones count. */
export const UNSCOPED_REFUSAL = (what: string) =>
  `${what} names no namespace or variant, and the model's trust policy accepts only edgefleet v2 statements (allowUnscopedSignatures is off): re-sign with --namespace and --variant`;

/** Limit on a signature file: a real one is about 300 bytes. */
export const MAX_ENVELOPE_BYTES = 16 * 1024;

function ed25519(key: KeyObject, what: string): KeyObject {
  if (key.asymmetricKeyType !== "ed25519") throw new Error(`${what} must be an Ed25519 key, got ${key.asymmetricKeyType ?? "unknown"}`);
  return key;
}

/** A new Ed25519 key pair as PEM: PKCS#8 private key, SPKI public key (what the EdgeModel's Secret holds). */
export function generateSigningKey(): { privateKeyPem: string; publicKeyPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  return {
    privateKeyPem: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
    publicKeyPem: publicKey.export({ type: "spki", format: "pem" }).toString(),
  };
}

export function signStatement(statement: ArtifactStatement, privateKeyPem: string): SignatureEnvelope {
  const key = ed25519(createPrivateKey(privateKeyPem), "the signing key");
  const bytes = canonicalStatement(statement);
  return {
    statement: typedStatement(statement),
    signature: sign(null, bytes, key).toString("base64"),
  };
}

/** The signature file as written to disk: the envelope as one line of JSON. */
export function encodeEnvelope(envelope: SignatureEnvelope): string {
  return `${JSON.stringify(envelope)}\n`;
}

function publicKey(pem: string): KeyObject {
  try {
    return ed25519(createPublicKey(pem), "the artifact's public key");
  } catch (err) {
    throw new ArtifactRefusal("signature-invalid", `public key unusable: ${(err as Error).message}`, { cause: err });
  }
}

/**
 * Checks a signature file against the public key and what the agent was asked to install.
 * Throws an ArtifactRefusal: signature-invalid when the file is malformed, the signature does not
 * verify, or it covers another model or file; version-mismatch when it validly covers this very
 * file under another version (an old artifact replayed as a new version: a downgrade).
 */
export function verifyEnvelope(envelopeBytes: Uint8Array, publicKeyPem: string, expected: ExpectedArtifact): ArtifactStatement {
  const key = publicKey(publicKeyPem);
  let statement: ArtifactStatement;
  let signature: Buffer;
  try {
    if (envelopeBytes.byteLength > MAX_ENVELOPE_BYTES) throw new Error(`larger than ${MAX_ENVELOPE_BYTES} bytes`);
    const parsed = JSON.parse(Buffer.from(envelopeBytes).toString("utf8")) as Partial<SignatureEnvelope>;
    statement = checkStatement(parsed.statement);
    if (typeof parsed.signature !== "string" || !/^[A-Za-z0-9+/]{86}==$/.test(parsed.signature)) {
      throw new Error("signature must be the base64 of a 64-byte Ed25519 signature");
    }
    signature = Buffer.from(parsed.signature, "base64");
  } catch (err) {
    throw new ArtifactRefusal("signature-invalid", `malformed signature file: ${(err as Error).message}`, { cause: err });
  }
  if (!verify(null, canonicalStatement(statement), key, signature)) {
    throw new ArtifactRefusal("signature-invalid", "signature does not verify with the model's public key");
  }
  if (statement.model !== expected.model) {
    throw new ArtifactRefusal("signature-invalid", `signature is for model "${statement.model}", not "${expected.model}"`);
  }
  if (statement.sha256 !== expected.sha256) {
    throw new ArtifactRefusal("signature-invalid", `signature covers sha256 ${statement.sha256}, not the artifact's ${expected.sha256}`);
  }
  if (isScoped(statement)) {
    for (const field of ["namespace", "variant"] as const) {
      const want = expected[field];
      if (want !== undefined && statement[field] !== want) {
        throw new ArtifactRefusal("signature-invalid", `signature is for ${field} "${statement[field]}", not "${want}"`);
      }
    }
  } else if (expected.scopedOnly) {
    throw new ArtifactRefusal("signature-invalid", UNSCOPED_REFUSAL("the edgefleet v1 statement"));
  }
  if (statement.version !== expected.version) {
    throw new ArtifactRefusal(
      "version-mismatch",
      `signature is for version "${statement.version}" (sha256 ${statement.sha256}), not "${expected.version}": refusing a replayed or downgraded artifact`,
    );
  }
  return statement;
}
