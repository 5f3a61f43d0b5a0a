/**
 * The few DER (ASN.1) encodings an X.509 certificate needs. Each returns the complete TLV bytes.
 */

function tlv(tag: number, body: Uint8Array): Buffer {
  const n = body.length;
  const len = n < 0x80 ? [n] : n < 0x100 ? [0x81, n] : [0x82, n >> 8, n & 0xff];
  if (n > 0xffff) throw new Error("DER value too long");
  return Buffer.concat([Buffer.from([tag, ...len]), body]);
}

export const sequence = (...items: Uint8Array[]) => tlv(0x30, Buffer.concat(items));
export const set = (...items: Uint8Array[]) => tlv(0x31, Buffer.concat(items));
export const octetString = (bytes: Uint8Array) => tlv(0x04, bytes);
export const utf8String = (s: string) => tlv(0x0c, Buffer.from(s, "utf8"));
export const boolean = (v: boolean) => tlv(0x01, Buffer.from([v ? 0xff : 0]));
/** BIT STRING of whole bytes, or of flags with `unused` trailing bits unused. */
export const bitString = (bytes: Uint8Array, unused = 0) => tlv(0x03, Buffer.concat([Buffer.from([unused]), bytes]));
/** [n] EXPLICIT (constructed) and [n] IMPLICIT (primitive) context tags. */
export const explicit = (n: number, inner: Uint8Array) => tlv(0xa0 + n, inner);
export const implicit = (n: number, bytes: Uint8Array) => tlv(0x80 + n, bytes);

/** A non-negative INTEGER from big-endian bytes (a leading 0 keeps it positive). */
export function integer(bytes: Uint8Array | number): Buffer {
  let b = typeof bytes === "number" ? Buffer.from([bytes]) : Buffer.from(bytes);
  while (b.length > 1 && b[0] === 0 && ((b[1] ?? 0) & 0x80) === 0) b = b.subarray(1);
  return tlv(0x02, (b[0] ?? 0) & 0x80 ? Buffer.concat([Buffer.from([0]), b]) : b);
}

export function oid(dotted: string): Buffer {
  const [a = 0, b = 0, ...rest] = dotted.split(".").map(Number);
  const bytes = [40 * a + b];
  for (const n of rest) {
    const base128 = [n & 0x7f];
    for (let v = n >>> 7; v > 0; v >>>= 7) base128.unshift((v & 0x7f) | 0x80);
    bytes.push(...base128);
  }
  return tlv(0x06, Buffer.from(bytes));
}

/** UTCTime (years 1950–2049), as X.509 requires for those years. */
export function utcTime(d: Date): Buffer {
  const iso = d.toISOString(); // 2025-01-01T00:00:00.000Z
  const s = `${iso.slice(2, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}Z`;
  return tlv(0x17, Buffer.from(s, "ascii"));
}
