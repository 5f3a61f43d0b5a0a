import { crc32 } from "node:zlib";

/**
 * One spooled message on disk, little-endian:
 *   u32 bodyLength | u32 crc32(body) | body
 *   body = u64 id | u64 seq | u16 topicLength | topic (UTF-8) | payload
 * The id is the spool's own position, monotonic for the life of the directory; seq is the
 * payload's per-device sequence number, which restarts at each birth and so cannot order the spool.
 */
export interface SpoolRecord {
  id: number;
  seq: number;
  topic: string;
  payload: Uint8Array;
}

export const HEADER_BYTES = 8;
const FIXED_BODY_BYTES = 18;
const MAX_TOPIC_BYTES = 0xffff;

export function encodeRecord(record: SpoolRecord): Buffer {
  const topic = Buffer.from(record.topic, "utf8");
  if (topic.length > MAX_TOPIC_BYTES) throw new RangeError(`spool topic is ${topic.length} bytes, at most ${MAX_TOPIC_BYTES}`);
  if (!Number.isSafeInteger(record.seq) || record.seq < 0)
    throw new RangeError(`spool seq must be a non-negative integer, got ${record.seq}`);
  const bodyLength = FIXED_BODY_BYTES + topic.length + record.payload.length;
  const buf = Buffer.allocUnsafe(HEADER_BYTES + bodyLength);
  buf.writeUInt32LE(bodyLength, 0);
  buf.writeBigUInt64LE(BigInt(record.id), 8);
  buf.writeBigUInt64LE(BigInt(record.seq), 16);
  buf.writeUInt16LE(topic.length, 24);
  topic.copy(buf, 26);
  buf.set(record.payload, 26 + topic.length);
  buf.writeUInt32LE(crc32(buf.subarray(HEADER_BYTES)), 4);
  return buf;
}

/** The record starting at offset, or why none could be read there (the start of a torn tail). */
export type ScanResult = { ok: true; record: SpoolRecord; length: number } | { ok: false; reason: "end" | "partial" | "crc" | "malformed" };

export function decodeRecord(buf: Buffer, offset: number): ScanResult {
  if (offset === buf.length) return { ok: false, reason: "end" };
  if (offset + HEADER_BYTES > buf.length) return { ok: false, reason: "partial" };
  const bodyLength = buf.readUInt32LE(offset);
  const end = offset + HEADER_BYTES + bodyLength;
  if (end > buf.length) return { ok: false, reason: "partial" };
  const body = buf.subarray(offset + HEADER_BYTES, end);
  if (crc32(body) !== buf.readUInt32LE(offset + 4)) return { ok: false, reason: "crc" };
  if (bodyLength < FIXED_BODY_BYTES) return { ok: false, reason: "malformed" };
  const topicLength = body.readUInt16LE(16);
  if (FIXED_BODY_BYTES + topicLength > bodyLength) return { ok: false, reason: "malformed" };
  return {
    ok: true,
    length: end - offset,
    record: {
      id: Number(body.readBigUInt64LE(0)),
      seq: Number(body.readBigUInt64LE(8)),
      topic: body.toString("utf8", FIXED_BODY_BYTES, FIXED_BODY_BYTES + topicLength),
      payload: Buffer.from(body.subarray(FIXED_BODY_BYTES + topicLength)),
    },
  };
}
