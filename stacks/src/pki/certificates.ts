import { createHash, createPrivateKey, createPublicKey, hkdfSync, type KeyObject, sign } from "node:crypto";
import { isIPv4 } from "node:net";
import { bitString, boolean, explicit, implicit, integer, octetString, oid, sequence, set, utcTime, utf8String } from "./der.js";

/**
 * A certificate authority and the certificates it issues, all derived from one secret seed:
 * Ed25519 keys from HKDF(seed, name) and Ed25519 signatures are deterministic, and the validity is
 * fixed, so every `pulumi up` produces byte-identical certificates (no diff, no rotation by
 * accident) while nothing but the seed needs storing. Rotate everything by changing the seed.
 */

export interface Issued {
  /** PEM certificate. */
  readonly cert: string;
  /** PEM PKCS#8 private key. */
  readonly key: string;
  /** PEM certificate of the issuing CA. */
  readonly ca: string;
}

/** Fixed so certificates are reproducible; ten years, rotated by a new seed. */
export const VALIDITY = { notBefore: new Date("2025-01-01T00:00:00Z"), notAfter: new Date("2035-01-01T00:00:00Z") };

const ED25519 = sequence(oid("1.3.101.112"));
const CN = "2.5.4.3";
const O = "2.5.4.10";
// PKCS#8 wrapping of a raw 32-byte Ed25519 private key (RFC 8410).
const PKCS8_ED25519_PREFIX = Buffer.from("302e020100300506032b657004220420", "hex");

const name = (cn: string) => sequence(set(sequence(oid(O), utf8String("edgefleet"))), set(sequence(oid(CN), utf8String(cn))));

function extension(id: string, critical: boolean, value: Uint8Array): Buffer {
  return sequence(oid(id), ...(critical ? [boolean(true)] : []), octetString(value));
}

function keyFor(seed: string, label: string): KeyObject {
  const raw = Buffer.from(hkdfSync("sha256", seed, "edgefleet-pki", label, 32));
  return createPrivateKey({ key: Buffer.concat([PKCS8_ED25519_PREFIX, raw]), format: "der", type: "pkcs8" });
}

// The raw 32-byte public key: the last 32 bytes of its SubjectPublicKeyInfo.
const publicBytes = (key: KeyObject) => createPublicKey(key).export({ type: "spki", format: "der" }).subarray(-32);
const keyId = (key: KeyObject) => createHash("sha1").update(publicBytes(key)).digest();
const pem = (label: string, der: Uint8Array) =>
  `-----BEGIN ${label}-----\n${(
    Buffer.from(der)
      .toString("base64")
      .match(/.{1,64}/g) ?? []
  ).join("\n")}\n-----END ${label}-----\n`;

interface CertSpec {
  readonly subject: string;
  readonly subjectKey: KeyObject;
  readonly issuer: string;
  readonly issuerKey: KeyObject;
  readonly ca: boolean;
  /** Subject alternative names: DNS names, and IPv4 addresses as IP address names. */
  readonly dnsNames: readonly string[];
  /** Extended key usages: serverAuth, clientAuth. */
  readonly usages: readonly ("server" | "client")[];
}

// GeneralName (RFC 5280): iPAddress [7] holds the address's bytes, dNSName [2] the name.
const generalName = (name: string) =>
  isIPv4(name) ? implicit(7, Buffer.from(name.split(".").map(Number))) : implicit(2, Buffer.from(name, "ascii"));

function certificate(spec: CertSpec): string {
  const serial = createHash("sha256").update(`${spec.issuer}/${spec.subject}`).digest().subarray(0, 16);
  serial[0] = (serial[0] ?? 0) & 0x7f;
  const EKU = { server: "1.3.6.1.5.5.7.3.1", client: "1.3.6.1.5.5.7.3.2" };
  const extensions = [
    extension("2.5.29.19", true, spec.ca ? sequence(boolean(true)) : sequence()),
    // keyCertSign + cRLSign (bits 5, 6) for the CA; digitalSignature (bit 0) otherwise.
    extension("2.5.29.15", true, spec.ca ? bitString(Buffer.from([0x06]), 1) : bitString(Buffer.from([0x80]), 7)),
    extension("2.5.29.14", false, octetString(keyId(spec.subjectKey))),
    extension("2.5.29.35", false, sequence(implicit(0, keyId(spec.issuerKey)))),
    ...(spec.usages.length ? [extension("2.5.29.37", false, sequence(...spec.usages.map((u) => oid(EKU[u]))))] : []),
    ...(spec.dnsNames.length ? [extension("2.5.29.17", false, sequence(...spec.dnsNames.map(generalName)))] : []),
  ];
  const tbs = sequence(
    explicit(0, integer(2)),
    integer(serial),
    ED25519,
    name(spec.issuer),
    sequence(utcTime(VALIDITY.notBefore), utcTime(VALIDITY.notAfter)),
    name(spec.subject),
    sequence(ED25519, bitString(publicBytes(spec.subjectKey))),
    explicit(3, sequence(...extensions)),
  );
  return pem("CERTIFICATE", sequence(tbs, ED25519, bitString(sign(null, tbs, spec.issuerKey))));
}

const privatePem = (key: KeyObject) => key.export({ type: "pkcs8", format: "pem" }).toString();

/** The site's MQTT CA, derived from `seed` (keep it a secret). */
export function certificateAuthority(seed: string, caName = "edgefleet MQTT CA") {
  const caKey = keyFor(seed, `ca:${caName}`);
  const ca = certificate({ subject: caName, subjectKey: caKey, issuer: caName, issuerKey: caKey, ca: true, dnsNames: [], usages: [] });
  return {
    cert: ca,
    /** A certificate for `cn`: a TLS server for dnsNames (names or IPv4 addresses) when given, and always a TLS client. */
    issue(cn: string, dnsNames: readonly string[] = []): Issued {
      const key = keyFor(seed, `leaf:${cn}`);
      const cert = certificate({
        subject: cn,
        subjectKey: key,
        issuer: caName,
        issuerKey: caKey,
        ca: false,
        dnsNames,
        usages: dnsNames.length ? ["server", "client"] : ["client"],
      });
      return { ca, cert, key: privatePem(key) };
    },
  };
}

export type CertificateAuthority = ReturnType<typeof certificateAuthority>;
