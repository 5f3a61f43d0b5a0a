import { mkdirSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { errorMessage } from "@edgefleet/kit";
import { readAck, readDropped, syncDir, writeAck, writeDropped } from "./ack-file.js";
import { type ResolvedOptions, resolveOptions, type SpoolOptions } from "./options.js";
import { encodeRecord, type SpoolRecord } from "./record.js";
import { Segment, segmentFirstId, type Truncation } from "./segment.js";

export interface SpoolMessage {
  topic: string;
  payload: Uint8Array;
  /** The payload's per-device sequence number, kept so drops can be reported as seq ranges. */
  seq: number;
}

/** The unacknowledged messages the byte bound dropped in one go, oldest first. */
export interface DropRange {
  fromId: number;
  toId: number;
  fromSeq: number;
  toSeq: number;
}

export interface SpoolStats {
  /** Messages appended and not yet acknowledged. */
  pending: number;
  /** Bytes of all live segment files, the figure maxBytes bounds. */
  bytes: number;
  /** Unacknowledged messages dropped, oldest first, to stay within maxBytes; `messages` counts since the spool was created. */
  dropped: { messages: number; last: DropRange | undefined };
  /** Messages append could not store at all: larger than a segment, invalid, or a write error. */
  rejected: { messages: number; lastError: string | undefined };
  /** fdatasync calls made, so the cost of the sync policy shows up in telemetry. */
  syncs: number;
  /** Torn tails cut off segments when the spool was opened, and the bytes they held. */
  recovered: { tornRecords: number; truncatedBytes: number; truncations: Truncation[] };
}

/**
 * Durable store-and-forward of outgoing MQTT messages. Appends never block on the broker and never
 * throw; past maxBytes the oldest messages go, counted. Replay is peek then ack: a message leaves
 * the spool only once acked, so after a crash un-acked messages are replayed again (at least once;
 * consumers dedupe by seq).
 */
export class Spool {
  private readonly segments: Segment[] = [];
  private ackedId: number;
  private bytes = 0;
  private unsynced = 0;
  private syncs = 0;
  private firstUnsyncedAt = 0;
  private cancelSyncTimer: (() => void) | undefined;
  private closed = false;
  private readonly dropped: SpoolStats["dropped"] = { messages: 0, last: undefined };
  private readonly rejected: SpoolStats["rejected"] = { messages: 0, lastError: undefined };
  private readonly recovered: SpoolStats["recovered"] = { tornRecords: 0, truncatedBytes: 0, truncations: [] };

  private constructor(private readonly options: ResolvedOptions) {
    mkdirSync(options.dir, { recursive: true });
    this.ackedId = readAck(options.dir);
    this.dropped.messages = readDropped(options.dir);
    this.recover();
  }

  static open(options: SpoolOptions): Spool {
    return new Spool(resolveOptions(options));
  }

  /** Stores one message; returns its spool id, or undefined when it could not be stored (counted in stats). */
  append(topic: string, payload: Uint8Array, seq: number): number | undefined {
    const id = this.write({ topic, payload, seq });
    this.afterBatch();
    return id;
  }

  /** Stores messages in order with one sync under the "batch" policy. */
  appendBatch(messages: readonly SpoolMessage[]): void {
    for (const message of messages) this.write(message);
    this.afterBatch();
  }

  /**
   * Up to max of the oldest unacknowledged messages, without removing them; only those after
   * afterId when given, so a sender with messages in flight reads on past them before any ack.
   */
  peek(max: number, afterId = -1): SpoolRecord[] {
    this.assertOpen();
    const records: SpoolRecord[] = [];
    let from = Math.max(this.ackedId, afterId) + 1;
    for (const segment of this.segments) {
      if (records.length >= max) break;
      if (segment.lastId < from) continue;
      from = Math.max(from, segment.firstId);
      const batch = segment.read(from, max - records.length);
      records.push(...batch);
      from += batch.length;
    }
    return records;
  }

  /** Marks every message up to and including id as delivered; whole segments behind it are deleted. */
  ack(id: number): void {
    this.assertOpen();
    if (!Number.isSafeInteger(id)) throw new RangeError(`spool ack id must be an integer, got ${id}`);
    const upto = Math.min(id, this.nextId - 1);
    if (upto <= this.ackedId) return;
    writeAck(this.options.dir, upto);
    this.ackedId = upto;
    let removed = false;
    while (this.segments.length > 1 && (this.segments[0]?.lastId ?? Number.POSITIVE_INFINITY) <= upto) {
      this.removeOldest();
      removed = true;
    }
    if (removed) syncDir(this.options.dir);
  }

  /** The seq of the newest message still stored, acknowledged or not; undefined when none is. */
  lastSeq(): number | undefined {
    for (let i = this.segments.length - 1; i >= 0; i--) {
      const segment = this.segments[i];
      if (segment && segment.count > 0) return segment.seqOf(segment.lastId);
    }
    return undefined;
  }

  /** Forces appended messages to stable storage now, whatever the policy. */
  sync(): void {
    this.cancelSyncTimer?.();
    this.cancelSyncTimer = undefined;
    if (this.unsynced === 0) return;
    this.active.sync();
    this.syncs += 1;
    this.unsynced = 0;
  }

  close(): void {
    if (this.closed) return;
    this.sync();
    for (const segment of this.segments) segment.close();
    this.closed = true;
  }

  stats(): SpoolStats {
    const pending = this.nextId - 1 - Math.max(this.ackedId, (this.segments[0]?.firstId ?? 0) - 1);
    return {
      pending,
      bytes: this.bytes,
      dropped: { ...this.dropped },
      rejected: { ...this.rejected },
      syncs: this.syncs,
      recovered: { ...this.recovered, truncations: [...this.recovered.truncations] },
    };
  }

  private get active(): Segment {
    const segment = this.segments[this.segments.length - 1];
    if (!segment) throw new Error("spool has no active segment");
    return segment;
  }

  private get nextId(): number {
    return this.active.nextId;
  }

  private recover(): void {
    const { dir } = this.options;
    const found = readdirSync(dir)
      .map((name) => ({ name, firstId: segmentFirstId(name) }))
      .filter((f): f is { name: string; firstId: number } => f.firstId !== undefined)
      .sort((a, b) => a.firstId - b.firstId);
    for (const { name, firstId } of found) {
      const { segment, truncation } = Segment.recover(join(dir, name), firstId);
      if (truncation) {
        this.recovered.tornRecords += 1;
        this.recovered.truncatedBytes += truncation.bytes;
        this.recovered.truncations.push(truncation);
      }
      this.segments.push(segment);
      this.bytes += segment.size;
    }
    // Segments left behind by acks or drops that a crash interrupted, and empty ones before the newest.
    while (this.segments.length > 1) {
      const oldest = this.segments[0];
      if (!oldest || (oldest.lastId > this.ackedId && oldest.count > 0)) break;
      this.removeOldest();
    }
    const last = this.segments[this.segments.length - 1];
    if (last && last.size < this.options.segmentBytes) last.openForAppend();
    else this.startSegment(Math.max(last?.nextId ?? 0, this.ackedId + 1));
  }

  private write(message: SpoolMessage): number | undefined {
    try {
      this.assertOpen();
      const id = this.nextId;
      const encoded = encodeRecord({ id, ...message });
      if (encoded.length > this.options.segmentBytes) {
        throw new RangeError(`message of ${encoded.length} bytes exceeds segmentBytes (${this.options.segmentBytes})`);
      }
      this.makeRoom(encoded.length);
      this.active.append(encoded, message.seq);
      this.bytes += encoded.length;
      if (this.unsynced === 0) this.firstUnsyncedAt = this.options.clock.now();
      this.unsynced += 1;
      return id;
    } catch (err) {
      this.rejected.messages += 1;
      this.rejected.lastError = errorMessage(err);
      return undefined;
    }
  }

  private afterBatch(): void {
    if (this.closed || this.unsynced === 0) return;
    const { syncPerBatch, everyRecords, everyMs, clock } = this.options;
    try {
      if (syncPerBatch || this.unsynced >= everyRecords || (everyMs > 0 && clock.now() - this.firstUnsyncedAt >= everyMs)) this.sync();
      else if (everyMs > 0 && this.cancelSyncTimer === undefined) this.cancelSyncTimer = clock.setTimer(() => this.timedSync(), everyMs);
    } catch (err) {
      this.rejected.lastError = errorMessage(err);
    }
  }

  private timedSync(): void {
    this.cancelSyncTimer = undefined;
    try {
      if (!this.closed) this.sync();
    } catch (err) {
      this.rejected.lastError = errorMessage(err);
    }
  }

  private makeRoom(length: number): void {
    if (this.active.size > 0 && this.active.size + length > this.options.segmentBytes) {
      this.sync();
      this.active.close();
      this.startSegment(this.nextId);
    }
    const droppedBefore = this.dropped.messages;
    while (this.bytes + length > this.options.maxBytes && this.segments.length > 1) this.dropOldest();
    if (this.dropped.messages === droppedBefore) return;
    try {
      writeDropped(this.options.dir, this.dropped.messages);
    } catch (err) {
      // The count in memory stays right and is reported; only a crash before the next drop loses it.
      this.rejected.lastError = `cannot persist the drop count: ${errorMessage(err)}`;
    }
  }

  private dropOldest(): void {
    const oldest = this.segments[0];
    if (!oldest) return;
    const fromId = Math.max(oldest.firstId, this.ackedId + 1);
    const toId = oldest.lastId;
    if (fromId <= toId) {
      this.dropped.messages += toId - fromId + 1;
      this.dropped.last = { fromId, toId, fromSeq: oldest.seqOf(fromId) ?? -1, toSeq: oldest.seqOf(toId) ?? -1 };
    }
    this.removeOldest();
  }

  private removeOldest(): void {
    const oldest = this.segments.shift();
    if (!oldest) return;
    oldest.remove();
    this.bytes -= oldest.size;
  }

  private startSegment(firstId: number): void {
    const segment = Segment.create(this.options.dir, firstId);
    this.segments.push(segment);
    syncDir(this.options.dir);
  }

  private assertOpen(): void {
    if (this.closed) throw new Error(`spool ${this.options.dir} is closed`);
  }
}
