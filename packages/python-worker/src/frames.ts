/**
 * The frames a runtime and its model worker (frame_worker.py) exchange over the worker's stdin and
 * stdout: a little-endian u32 length of a JSON header, a u32 length of a payload, the header, then
 * the payload (tensors' raw bytes, concatenated in the header's order).
 */
export interface Frame {
  header: Record<string, unknown>;
  payload: Buffer;
}

const PREFIX_BYTES = 8;

export function encodeFrame(header: unknown, payloads: readonly Uint8Array[] = []): Buffer {
  const json = Buffer.from(JSON.stringify(header));
  const payloadBytes = payloads.reduce((n, p) => n + p.byteLength, 0);
  const prefix = Buffer.alloc(PREFIX_BYTES);
  prefix.writeUInt32LE(json.length, 0);
  prefix.writeUInt32LE(payloadBytes, 4);
  return Buffer.concat([prefix, json, ...payloads]);
}

/** Splits a byte stream into frames, whatever the chunks it arrives in. */
export class FrameReader {
  private buffered: Buffer = Buffer.alloc(0);

  /** Adds a chunk; returns the frames it completed. */
  push(chunk: Buffer): Frame[] {
    this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
    const frames: Frame[] = [];
    while (this.buffered.length >= PREFIX_BYTES) {
      const jsonBytes = this.buffered.readUInt32LE(0);
      const end = PREFIX_BYTES + jsonBytes + this.buffered.readUInt32LE(4);
      if (this.buffered.length < end) break;
      const header = JSON.parse(this.buffered.toString("utf8", PREFIX_BYTES, PREFIX_BYTES + jsonBytes)) as Record<string, unknown>;
      frames.push({ header, payload: Buffer.from(this.buffered.subarray(PREFIX_BYTES + jsonBytes, end)) });
      this.buffered = this.buffered.subarray(end);
    }
    return frames;
  }
}
