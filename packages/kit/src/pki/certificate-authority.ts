import { createHash, createPrivateKey, createPublicKey, hkdfSync, type KeyObject, sign } from "node:crypto";
import { isIPv4 } from "node:net";
import { bitString, boolean, explicit, implicit, integer, octetString, oid, sequence, set, utcTime, utf8String } from "./der.js";

/**
 * A certificate authority and the certificates it issues, all derived from one secret seed:
 * Ed25519 keys from HKDF(seed, name, generation) and Ed25519 signatures are deterministic, serials
 * are HKDF outputs too, and each certificate's validity is a window of a fixed schedule (below), so
 * every `pulumi up` within one window produces byte-identical certificates (no diff, no rotation by
 * accident) while nothing but the seed needs storing, and the first `pulumi up` of the next window
 * renews them all. One identity is re-issued by raising its generation (a new key and serial, the
 * others untouched), and the CA's revocation list names any generation's serials, since the program
 * can recompute them. Rotate everything, the CA included, by changing the seed.
 */

export interface Issued {
  /** PEM certificate. */
  readonly cert: string;
  /** PEM PKCS#8 private key. */
  readonly key: string;
  /** PEM certificate of the issuing CA. */
  readonly ca: string;
}

/** The CA's validity, fixed so it is reproducible; ten years, rotated by a new seed. Leaves without a Renewal get it too. */
export const VALIDITY = { notBefore: new Date("2025-01-01T00:00:00Z"), notAfter: new Date("2035-01-01T00:00:00Z") };

/** How leaf certificates are renewed: `now` is when the program runs (`pulumi up`). */
export interface Renewal {
  readonly now: Date;
  /** How long each certificate is valid. */
  readonly lifetimeDays: number;
  /** A certificate is renewed this long before it expires (the windows overlap by this much). */
  readonly renewBeforeDays: number;
}

/**
 * The program's renewal schedule: certificates valid a year, renewed by the first `pulumi up` in
 * their last 30 days (a stack that is not applied for 30 days lets them expire).
 */
export const DEFAULT_RENEWAL = { lifetimeDays: 365, renewBeforeDays: 30 } as const;

/** Backdating of each window's start, so a device whose clock lags a little accepts a fresh certificate. */
const CLOCK_SKEW_MS = 86_400_000;
const DAY_MS = 86_400_000;

export interface ValidityWindow {
  /** 0 for the first window (and for certificates without renewal); part of the serial after it. */
  readonly index: number;
  readonly notBefore: Date;
  readonly notAfter: Date;
}

/**
 * The validity window current at `renewal.now`: window k starts k × (lifetime − renewBefore) after
 * VALIDITY.notBefore (backdated a day) and lasts the lifetime, so at any time the current window
 * has at least renewBefore left, and it never outlives the CA. Without a renewal: VALIDITY.
 */
export function validityWindow(renewal: Renewal | undefined): ValidityWindow {
  if (renewal === undefined) return { index: 0, ...VALIDITY };
  const { now, lifetimeDays, renewBeforeDays } = renewal;
  const step = (lifetimeDays - renewBeforeDays) * DAY_MS;
  if (!(step > 0) || renewBeforeDays < 1)
    throw new Error(`renewal needs 1 <= renewBeforeDays < lifetimeDays, got ${renewBeforeDays} and ${lifetimeDays}`);
  const index = Math.max(0, Math.floor((now.getTime() - VALIDITY.notBefore.getTime()) / step));
  const start = VALIDITY.notBefore.getTime() + index * step;
  const notAfter = Math.min(start + lifetimeDays * DAY_MS, VALIDITY.notAfter.getTime());
  return { index, notBefore: new Date(Math.max(VALIDITY.notBefore.getTime(), start - CLOCK_SKEW_MS)), notAfter: new Date(notAfter) };
}

const ED25519 = sequence(oid("1.3.101.112"));
const CN = "2.5.4.3";
const O = "2.5.4.10";
// PKCS#8 wrapping of a raw 32-byte Ed25519 private key (RFC 8410).
const PKCS8_ED25519_PREFIX = Buffer.from("302e020100300506032b657004220420", "hex");

const name = (cn: string) => sequence(set(sequence(oid(O), utf8String("edgefleet"))), set(sequence(oid(CN), utf8String(cn))));

function extension(id: string, critical: boolean, value: Uint8Array): Buffer {
  return sequence(oid(id), ...(critical ? [boolean(true)] : []), octetString(value));
}

/** The label of a leaf's key: generation 0 keeps the label keys had before generations existed. */
const leafLabel = (cn: string, generation: number) => (generation === 0 ? `leaf:${cn}` : `leaf:${cn}#${generation}`);

/**
 * A certificate's serial: 16 bytes of HKDF(seed) over issuer, subject, generation and validity
 * window (window 0 keeps the serial certificates had before windows existed), positive. Unique per
 * generation and window (RFC 5280 forbids a serial twice under one CA), unpredictable without the
 * seed, and recomputable, so a revocation list can name a certificate that is no longer stored.
 */
function serialFor(seed: string, issuer: string, subject: string, generation: number, window = 0): Buffer {
  const info = `${issuer}/${subject}#${generation}${window === 0 ? "" : `@${window}`}`;
  const serial = Buffer.from(hkdfSync("sha256", seed, "edgefleet-pki-serial", info, 16));
  serial[0] = ((serial[0] ?? 0) & 0x7f) | 0x40;
  return serial;
}

/**
 * The serial certificates had before generations existed (a hash of issuer and subject, the same
 * for every re-issue): a revocation list names it too, or such a certificate would stay valid.
 */
function legacySerial(issuer: string, subject: string): Buffer {
  const serial = createHash("sha256").update(`${issuer}/${subject}`).digest().subarray(0, 16);
  serial[0] = (serial[0] ?? 0) & 0x7f;
  return serial;
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
  readonly serial: Buffer;
  readonly subject: string;
  readonly subjectKey: KeyObject;
  readonly issuer: string;
  readonly issuerKey: KeyObject;
  readonly ca: boolean;
  /** Subject alternative names: DNS names, and IPv4 addresses as IP address names. */
  readonly dnsNames: readonly string[];
  /** Extended key usages: serverAuth, clientAuth. */
  readonly usages: readonly ("server" | "client")[];
  readonly validity: { readonly notBefore: Date; readonly notAfter: Date };
}

// GeneralName (RFC 5280): iPAddress [7] holds the address's bytes, dNSName [2] the name.
const generalName = (name: string) =>
  isIPv4(name) ? implicit(7, Buffer.from(name.split(".").map(Number))) : implicit(2, Buffer.from(name, "ascii"));

function certificate(spec: CertSpec): string {
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
    integer(spec.serial),
    ED25519,
    name(spec.issuer),
    sequence(utcTime(spec.validity.notBefore), utcTime(spec.validity.notAfter)),
    name(spec.subject),
    sequence(ED25519, bitString(publicBytes(spec.subjectKey))),
    explicit(3, sequence(...extensions)),
  );
  return pem("CERTIFICATE", sequence(tbs, ED25519, bitString(sign(null, tbs, spec.issuerKey))));
}

const privatePem = (key: KeyObject) => key.export({ type: "pkcs8", format: "pem" }).toString();

/** One certificate of an identity: its CN and generation (0, raised by one per re-issue). */
export interface IdentityGeneration {
  readonly cn: string;
  readonly generation: number;
}

/**
 * The site's MQTT CA, derived from `seed` (keep it a secret). With a renewal, leaf certificates
 * are valid for the window current at renewal.now (validityWindow); without one, for VALIDITY.
 */
export function certificateAuthority(seed: string, caName = "edgefleet MQTT CA", renewal?: Renewal) {
  const window = validityWindow(renewal);
  const caKey = keyFor(seed, `ca:${caName}`);
  const ca = certificate({
    serial: serialFor(seed, caName, caName, 0),
    subject: caName,
    subjectKey: caKey,
    issuer: caName,
    issuerKey: caKey,
    ca: true,
    dnsNames: [],
    usages: [],
    validity: VALIDITY,
  });
  return {
    cert: ca,
    /** The validity window of the leaf certificates it issues. */
    window,
    /**
     * A certificate for `cn`: a TLS server for dnsNames (names or IPv4 addresses) when given, and
     * always a TLS client. Each generation has its own key, each generation and window its own
     * serial: a renewal keeps the key and changes the validity and serial.
     */
    issue(cn: string, dnsNames: readonly string[] = [], generation = 0): Issued {
      if (!Number.isInteger(generation) || generation < 0) throw new Error(`generation must be a whole number >= 0, got ${generation}`);
      const key = keyFor(seed, leafLabel(cn, generation));
      const cert = certificate({
        serial: serialFor(seed, caName, cn, generation, window.index),
        subject: cn,
        subjectKey: key,
        issuer: caName,
        issuerKey: caKey,
        ca: false,
        dnsNames,
        usages: dnsNames.length ? ["server", "client"] : ["client"],
        validity: window,
      });
      return { ca, cert, key: privatePem(key) };
    },
    /**
     * The CA's certificate revocation list (PEM "X509 CRL", v2, signed with the CA's key) naming
     * these certificates, in every validity window up to the current one (a revoked generation's
     * renewals are revoked with it); generation 0 also names the serial such a certificate had
     * before generations existed. Its dates are fixed and it has no nextUpdate, so it never expires
     * and every `pulumi up` within one window makes the same bytes.
     */
    revocationList(revoked: readonly IdentityGeneration[]): string {
      const windows = Array.from({ length: window.index + 1 }, (_, i) => i);
      const serials = revoked.flatMap(({ cn, generation }) => [
        ...windows.map((w) => serialFor(seed, caName, cn, generation, w)),
        ...(generation === 0 ? [legacySerial(caName, cn)] : []),
      ]);
      return revocationList(caName, caKey, serials);
    },
  };
}

/** RFC 5280 section 5: a v2 CertificateList with the authority key identifier, entries without extensions. */
function revocationList(issuer: string, issuerKey: KeyObject, serials: readonly Buffer[]): string {
  const at = utcTime(VALIDITY.notBefore);
  const entries = serials.map((serial) => sequence(integer(serial), at));
  const tbs = sequence(
    integer(1),
    ED25519,
    name(issuer),
    at,
    ...(entries.length ? [sequence(...entries)] : []),
    explicit(0, sequence(extension("2.5.29.35", false, sequence(implicit(0, keyId(issuerKey)))))),
  );
  return pem("X509 CRL", sequence(tbs, ED25519, bitString(sign(null, tbs, issuerKey))));
}

export type CertificateAuthority = ReturnType<typeof certificateAuthority>;
