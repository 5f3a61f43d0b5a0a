import { constants, type KeyObject, publicDecrypt } from "node:crypto";
import { p256 } from "@noble/curves/nist.js";

// DER of a PKCS#1 v1.5 DigestInfo for SHA-256, up to the digest itself (RFC 8017 section 9.2, note 1).
const SHA256_DIGEST_INFO = Buffer.from("3031300d060960864801650304020105000420", "hex");

/**
 * Checks a signature made over a whole file (cosign sign-blob: ECDSA P-256 with SHA-256, or RSA
 * PKCS#1 v1.5 with SHA-256) given only the file's SHA-256. Both schemes sign the digest, so the
 * signature is checked against the EdgeModel's `sha256` before anything is downloaded, and the
 * download's own digest check then ties the bytes to it: no second pass over a large file.
 * node:crypto verifies only over a message it hashes itself, so ECDSA uses @noble/curves (audited)
 * with prehash off; RSA recovers the DigestInfo with the public key and compares it.
 * Throws naming the key when its type cannot sign this way (Ed25519 signs the whole file).
 */
export function verifyDigestSignature(key: KeyObject, sha256: Buffer, signature: Buffer): boolean {
  if (key.asymmetricKeyType === "ec" && key.asymmetricKeyDetails?.namedCurve === "prime256v1") {
    const { x, y } = key.export({ format: "jwk" });
    const point = Buffer.concat([Buffer.of(4), Buffer.from(x ?? "", "base64url"), Buffer.from(y ?? "", "base64url")]);
    try {
      // lowS off: Go's crypto/ecdsa (cosign) and OpenSSL do not normalise s.
      return p256.verify(signature, sha256, point, { prehash: false, lowS: false, format: "der" });
    } catch {
      return false; // not DER, or out of range: not a signature by this key
    }
  }
  if (key.asymmetricKeyType === "rsa") {
    let recovered: Buffer;
    try {
      recovered = publicDecrypt({ key, padding: constants.RSA_PKCS1_PADDING }, signature);
    } catch {
      return false;
    }
    return recovered.equals(Buffer.concat([SHA256_DIGEST_INFO, sha256]));
  }
  const curve = key.asymmetricKeyDetails?.namedCurve;
  throw new Error(
    `a signature over the whole file needs an ECDSA P-256 or an RSA key; the model's public key is ${key.asymmetricKeyType ?? "unknown"}${curve ? ` (${curve})` : ""}`,
  );
}
