import { createPublicKey, type KeyObject, verify } from "node:crypto";
import { verifyDigestSignature } from "./digest-signature.js";
import { checkInTotoStatement, IN_TOTO_PAYLOAD_TYPE } from "./in-toto.js";
import { ArtifactRefusal } from "./refusal.js";
import { UNSCOPED_REFUSAL, verifyEnvelope } from "./signature.js";
import { type DetectedSignature, detectSignature } from "./signature-format.js";
import { type BundleContent, pae } from "./sigstore-bundle.js";
import type { ExpectedArtifact } from "./statement.js";

/** Limit on a signature file: an envelope is about 300 bytes, a key-signed bundle with a log entry a few KiB. */
export const MAX_SIGNATURE_BYTES = 64 * 1024;

/** Which kind of signature accepted an artifact, for the install log. */
export type VerifiedFormat = "edgefleet" | "cosign" | "sigstore-bundle" | "sigstore-bundle/in-toto" | "sigstore-bundle/model-signing";

/** The hash ECDSA signs with on each curve, as Sigstore's algorithm registry pairs them. */
const EC_HASHES: Record<string, string> = { prime256v1: "sha256", secp384r1: "sha384", secp521r1: "sha512" };

const invalid = (detail: string, cause?: unknown) => new ArtifactRefusal("signature-invalid", detail, cause ? { cause } : undefined);

function publicKey(pem: string): KeyObject {
  try {
    return createPublicKey(pem);
  } catch (err) {
    throw invalid(`public key unusable: ${(err as Error).message}`, err);
  }
}

const PEM_BLOCK = /-----BEGIN PUBLIC KEY-----[\s\S]*?-----END PUBLIC KEY-----/g;

/**
 * Checks a signature file, whatever its format, against the public keys and the artifact's
 * `sha256`, offline, before the file is downloaded. `publicKeysPem` is one PEM public key (the
 * EdgeModel's Secret) or several concatenated (a ModelTrustPolicy's keys for the model, during a
 * rotation): a signature by any of them is accepted. Throws an ArtifactRefusal (signature-invalid,
 * or version-mismatch for an edgefleet envelope of another version).
 */
export function verifySignatureFile(bytes: Uint8Array, publicKeysPem: string, expected: ExpectedArtifact): VerifiedFormat {
  const keys = publicKeysPem.match(PEM_BLOCK) ?? [];
  if (keys.length <= 1) return verifyWithKey(bytes, keys[0] ?? publicKeysPem, expected);
  const refusals: ArtifactRefusal[] = [];
  for (const key of keys) {
    try {
      return verifyWithKey(bytes, key, expected);
    } catch (err) {
      if (!(err instanceof ArtifactRefusal)) throw err;
      refusals.push(err);
    }
  }
  // A key whose signature verified over another version's statement: a replay, whatever the other keys say.
  const replay = refusals.find((r) => r.reason === "version-mismatch");
  if (replay) throw replay;
  throw invalid(
    `the signature verifies with none of the ${keys.length} allowed public keys: ${refusals.map((r, i) => `key ${i + 1}: ${r.message}`).join("; ")}`,
  );
}

function verifyWithKey(bytes: Uint8Array, publicKeyPem: string, expected: ExpectedArtifact): VerifiedFormat {
  let detected: DetectedSignature;
  try {
    if (bytes.byteLength > MAX_SIGNATURE_BYTES) throw new Error(`larger than ${MAX_SIGNATURE_BYTES} bytes`);
    detected = detectSignature(bytes);
  } catch (err) {
    throw invalid(`malformed signature file: ${(err as Error).message}`, err);
  }
  if (detected.format === "edgefleet") {
    verifyEnvelope(bytes, publicKeyPem, expected);
    return "edgefleet";
  }
  if (expected.scopedOnly) throw invalid(UNSCOPED_REFUSAL(`a ${detected.format} signature`));
  const key = publicKey(publicKeyPem);
  if (detected.format === "cosign") {
    if (!digestSignatureVerifies(key, expected.sha256, detected.signature)) {
      throw invalid(
        `the cosign signature does not verify with the model's public key over the artifact's sha256 ${expected.sha256}: it was made with another key or over another file`,
      );
    }
    return "cosign";
  }
  return verifyBundleContent(detected.bundle.content, key, expected.sha256);
}

function digestSignatureVerifies(key: KeyObject, sha256: string, signature: Buffer): boolean {
  try {
    return verifyDigestSignature(key, Buffer.from(sha256, "hex"), signature);
  } catch (err) {
    throw invalid((err as Error).message, err);
  }
}

function verifyBundleContent(content: BundleContent, key: KeyObject, sha256: string): VerifiedFormat {
  if (content.kind === "message-signature") {
    // The signature first: a mismatch below then means a valid bundle of another file.
    if (!digestSignatureVerifies(key, content.sha256, content.signature)) {
      throw invalid("the Sigstore bundle's signature does not verify with the model's public key");
    }
    if (content.sha256 !== sha256)
      throw invalid(`the Sigstore bundle signs a file with sha256 ${content.sha256}, not the artifact's ${sha256}`);
    return "sigstore-bundle";
  }
  const signed = pae(content.payloadType, content.payload);
  if (!content.signatures.some((signature) => dsseSignatureVerifies(key, signed, signature))) {
    throw invalid(`none of the bundle's ${content.signatures.length} DSSE signature(s) verifies with the model's public key`);
  }
  if (content.payloadType !== IN_TOTO_PAYLOAD_TYPE) {
    throw invalid(`the DSSE payloadType is ${JSON.stringify(content.payloadType)}, not an in-toto statement (${IN_TOTO_PAYLOAD_TYPE})`);
  }
  try {
    return `sigstore-bundle/${checkInTotoStatement(content.payload, sha256)}`;
  } catch (err) {
    throw invalid((err as Error).message, err);
  }
}

function dsseSignatureVerifies(key: KeyObject, signed: Buffer, signature: Buffer): boolean {
  const hash = dsseHash(key);
  try {
    return verify(hash, signed, key, signature);
  } catch {
    return false; // a signature of the wrong shape for this key
  }
}

/** The hash a DSSE signature by this key is made with; null for Ed25519, which hashes itself. */
function dsseHash(key: KeyObject): string | null {
  const curve = key.asymmetricKeyDetails?.namedCurve ?? "";
  if (key.asymmetricKeyType === "ed25519") return null;
  if (key.asymmetricKeyType === "rsa") return "sha256";
  if (key.asymmetricKeyType === "ec" && EC_HASHES[curve]) return EC_HASHES[curve];
  throw invalid(
    `a DSSE signature needs an ECDSA (P-256, P-384, P-521), RSA or Ed25519 key; the model's public key is ${key.asymmetricKeyType ?? "unknown"}${curve ? ` (${curve})` : ""}`,
  );
}
