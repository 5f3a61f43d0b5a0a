import { closeSync, fdatasyncSync, ftruncateSync, openSync, readFileSync, readSync, unlinkSync, writeSync } from "node:fs";
import { join } from "node:path";
import { decodeRecord, type SpoolRecord } from "./record.js";

const NAME = /^(\d{16})\.seg$/;

/** The first record id a segment file name carries, or undefined for files that are not segments. */
export function segmentFirstId(name: string): number | undefined {
  const m = NAME.exec(name);
  return m?.[1] === undefined ? undefined : Number(m[1]);
}

/** What recovery cut off the end of a segment: the torn record and anything after it. */
export interface Truncation {
  reason: "partial" | "crc" | "malformed" | "out-of-order";
  bytes: number;
}

/**
 * One append-only segment file, named by the id of its first record, with an in-memory index of
 * record offsets and seqs so replay reads ranges without rescanning and drops can report seqs.
 */
export class Segment {
  private readonly offsets: number[] = [];
  private readonly seqs: number[] = [];
  private fd: number | undefined;

  private constructor(
    readonly path: string,
    readonly firstId: number,
    public size: number,
  ) {}

  static create(dir: string, firstId: number): Segment {
    const segment = new Segment(join(dir, `${String(firstId).padStart(16, "0")}.seg`), firstId, 0);
    segment.fd = openSync(segment.path, "wx+");
    return segment;
  }

  /** Indexes an existing segment, truncating a torn tail so appends continue after the last good record. */
  static recover(path: string, firstId: number): { segment: Segment; truncation: Truncation | undefined } {
    const data = readFileSync(path);
    const segment = new Segment(path, firstId, 0);
    let offset = 0;
    let truncation: Truncation | undefined;
    for (;;) {
      const result = decodeRecord(data, offset);
      if (!result.ok) {
        if (result.reason !== "end") truncation = { reason: result.reason, bytes: data.length - offset };
        break;
      }
      if (result.record.id !== segment.nextId) {
        truncation = { reason: "out-of-order", bytes: data.length - offset };
        break;
      }
      segment.index(offset, result.record.seq, result.length);
      offset += result.length;
    }
    if (truncation) {
      const fd = openSync(path, "r+");
      try {
        ftruncateSync(fd, offset);
        fdatasyncSync(fd);
      } finally {
        closeSync(fd);
      }
    }
    return { segment, truncation };
  }

  get count(): number {
    return this.offsets.length;
  }

  get nextId(): number {
    return this.firstId + this.offsets.length;
  }

  get lastId(): number {
    return this.nextId - 1;
  }

  seqOf(id: number): number | undefined {
    return this.seqs[id - this.firstId];
  }

  /** Opens the segment for appending; only the newest segment is. */
  openForAppend(): void {
    this.fd ??= openSync(this.path, "a+");
  }

  /** Writes one encoded record; on failure cuts the file back so no torn record sits before later ones. */
  append(encoded: Buffer, seq: number): void {
    const fd = this.requireFd();
    try {
      let written = 0;
      while (written < encoded.length) written += writeSync(fd, encoded, written, encoded.length - written);
    } catch (err) {
      ftruncateSync(fd, this.size);
      throw err;
    }
    this.index(this.size, seq, encoded.length);
  }

  sync(): void {
    fdatasyncSync(this.requireFd());
  }

  /** Up to max records starting at id, read with one pread. */
  read(fromId: number, max: number): SpoolRecord[] {
    const first = fromId - this.firstId;
    const last = Math.min(this.count, first + max);
    if (first < 0 || first >= last) return [];
    const start = this.offsets[first] ?? 0;
    const end = this.offsets[last] ?? this.size;
    const buf = Buffer.allocUnsafe(end - start);
    const fd = this.fd ?? openSync(this.path, "r");
    try {
      let read = 0;
      while (read < buf.length) {
        const n = readSync(fd, buf, read, buf.length - read, start + read);
        if (n === 0) throw new Error(`spool segment ${this.path} ends at ${start + read}, expected ${end} bytes`);
        read += n;
      }
    } finally {
      if (fd !== this.fd) closeSync(fd);
    }
    const records: SpoolRecord[] = [];
    for (let offset = 0; offset < buf.length; ) {
      const result = decodeRecord(buf, offset);
      if (!result.ok) throw new Error(`spool segment ${this.path} record at ${start + offset} is unreadable (${result.reason})`);
      records.push(result.record);
      offset += result.length;
    }
    return records;
  }

  close(): void {
    if (this.fd === undefined) return;
    closeSync(this.fd);
    this.fd = undefined;
  }

  remove(): void {
    this.close();
    unlinkSync(this.path);
  }

  private index(offset: number, seq: number, length: number): void {
    this.offsets.push(offset);
    this.seqs.push(seq);
    this.size = offset + length;
  }

  private requireFd(): number {
    if (this.fd === undefined) throw new Error(`spool segment ${this.path} is not open for appending`);
    return this.fd;
  }
}
