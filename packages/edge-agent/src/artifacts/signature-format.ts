import { isSigstoreBundle, parseBundle, type SigstoreBundle } from "./sigstore-bundle.js";

/** A signature file, told apart by its content (docs/artifacts.md, "Signature formats"). */
export type DetectedSignature =
  /** edgefleet's own envelope: {statement, signature}; verifyEnvelope parses it. */
  | { format: "edgefleet" }
  /** cosign sign-blob --key: the base64 of a signature over the file (--output-signature), or
   *  cosign's own bundle of it (--bundle with --new-bundle-format=false: {base64Signature, ...}). */
  | { format: "cosign"; signature: Buffer }
  /** A Sigstore bundle (cosign sign-blob --bundle, model_signing sign key). */
  | { format: "sigstore-bundle"; bundle: SigstoreBundle };

const BASE64_TEXT = /^[A-Za-z0-9+/]+={0,2}$/;

/** Throws naming what the content is not. */
export function detectSignature(bytes: Uint8Array): DetectedSignature {
  const text = Buffer.from(bytes).toString("utf8").trim();
  if (BASE64_TEXT.test(text)) return { format: "cosign", signature: Buffer.from(text, "base64") };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new Error(
      "neither JSON (an edgefleet envelope or a Sigstore bundle) nor base64 text (a cosign signature); see docs/artifacts.md for the formats",
    );
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new Error("the signature file must be a JSON object");
  const record = value as Record<string, unknown>;
  if ("statement" in record) return { format: "edgefleet" };
  if (isSigstoreBundle(record)) return { format: "sigstore-bundle", bundle: parseBundle(record) };
  if (typeof record.base64Signature === "string") {
    if (typeof record.cert === "string" && record.cert !== "") {
      throw new Error(
        "the cosign bundle is signed with a certificate (keyless signing); only signatures made with a key (cosign --key) are verified",
      );
    }
    if (!BASE64_TEXT.test(record.base64Signature)) throw new Error("base64Signature of the cosign bundle must be base64");
    return { format: "cosign", signature: Buffer.from(record.base64Signature, "base64") };
  }
  throw new Error(
    "a JSON object that is none of the formats: an edgefleet envelope has `statement`, a Sigstore bundle `mediaType`, a cosign bundle `base64Signature`",
  );
}
