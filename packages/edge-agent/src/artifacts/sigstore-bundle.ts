/**
 * The parts of a Sigstore bundle (protobuf-specs JSON, what `cosign sign-blob --bundle` and
 * `model_signing sign key` write) that a key-based, offline check needs. @sigstore/bundle and
 * @sigstore/verify are not used: their message-signature check hashes the artifact from a buffer
 * (a model file may be gigabytes, and is not downloaded yet when the signature is checked) and
 * their verifier wants Sigstore trust material (Fulcio, Rekor, TSA keys) that a key-signed bundle
 * does not need.
 */
export type BundleContent =
  /** A signature over the artifact's bytes, with the digest it claims. */
  | { kind: "message-signature"; sha256: string; signature: Buffer }
  /** A DSSE envelope: signatures over PAE(payloadType, payload). */
  | { kind: "dsse"; payloadType: string; payload: Buffer; signatures: Buffer[] };

export interface SigstoreBundle {
  mediaType: string;
  content: BundleContent;
  /** Transparency log entries carried along; not checked (see docs/artifacts.md). */
  tlogEntries: number;
}

/** Bundle media types of protobuf-specs v0.1 to v0.3. */
const MEDIA_TYPE = /^application\/vnd\.dev\.sigstore\.bundle(\.v0\.3\+json|\+json;version=0\.[123])$/;

export function isSigstoreBundle(value: Record<string, unknown>): boolean {
  return typeof value.mediaType === "string" && value.mediaType.startsWith("application/vnd.dev.sigstore.bundle");
}

type Json = Record<string, unknown>;

function object(value: unknown, field: string): Json {
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new Error(`${field} must be a JSON object`);
  return value as Json;
}

function base64(value: unknown, field: string): Buffer {
  if (typeof value !== "string" || !/^[A-Za-z0-9+/_-]+={0,2}$/.test(value)) throw new Error(`${field} must be base64`);
  return Buffer.from(value, "base64");
}

/** Throws naming the field that is missing or of the wrong shape. */
export function parseBundle(value: Json): SigstoreBundle {
  const mediaType = value.mediaType as string;
  if (!MEDIA_TYPE.test(mediaType)) throw new Error(`unsupported Sigstore bundle mediaType ${JSON.stringify(mediaType)}`);
  const material = object(value.verificationMaterial, "verificationMaterial");
  if (material.certificate !== undefined || material.x509CertificateChain !== undefined) {
    throw new Error(
      "the bundle is signed with a certificate (keyless Sigstore signing); only bundles signed with a key (cosign --key, model_signing sign key) are verified",
    );
  }
  const tlogEntries = Array.isArray(material.tlogEntries) ? material.tlogEntries.length : 0;
  if (value.messageSignature !== undefined) {
    const message = object(value.messageSignature, "messageSignature");
    const digest = object(message.messageDigest, "messageSignature.messageDigest");
    if (digest.algorithm === undefined) {
      // What cosign writes for an Ed25519 key: a signature over the whole file, not over a digest.
      throw new Error(
        "the bundle's message signature carries no digest of the file (cosign signs the whole file so with an Ed25519 key); sign with an ECDSA P-256 or RSA key, whose signatures over the SHA-256 are checked before the download",
      );
    }
    if (digest.algorithm !== "SHA2_256") {
      throw new Error(`messageSignature.messageDigest.algorithm must be SHA2_256, got ${JSON.stringify(digest.algorithm)}`);
    }
    const sha256 = base64(digest.digest, "messageSignature.messageDigest.digest");
    if (sha256.length !== 32) throw new Error("messageSignature.messageDigest.digest must be 32 bytes");
    const signature = base64(message.signature, "messageSignature.signature");
    return { mediaType, tlogEntries, content: { kind: "message-signature", sha256: sha256.toString("hex"), signature } };
  }
  if (value.dsseEnvelope !== undefined) {
    const envelope = object(value.dsseEnvelope, "dsseEnvelope");
    if (typeof envelope.payloadType !== "string") throw new Error("dsseEnvelope.payloadType must be a string");
    const payload = base64(envelope.payload, "dsseEnvelope.payload");
    if (!Array.isArray(envelope.signatures) || envelope.signatures.length === 0) {
      throw new Error("dsseEnvelope.signatures must be a non-empty list");
    }
    const signatures = envelope.signatures.map((s, i) =>
      base64(object(s, `dsseEnvelope.signatures[${i}]`).sig, `dsseEnvelope.signatures[${i}].sig`),
    );
    return { mediaType, tlogEntries, content: { kind: "dsse", payloadType: envelope.payloadType, payload, signatures } };
  }
  throw new Error("the bundle has neither messageSignature nor dsseEnvelope");
}

/** DSSE's pre-authentication encoding: what a DSSE signature signs (DSSE v1 protocol). */
export function pae(payloadType: string, payload: Buffer): Buffer {
  const type = Buffer.from(payloadType, "utf8");
  return Buffer.concat([Buffer.from(`DSSEv1 ${type.length} `), type, Buffer.from(` ${payload.length} `), payload]);
}
