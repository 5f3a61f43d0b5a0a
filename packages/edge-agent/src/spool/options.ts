import { type Clock, systemClock } from "@edgefleet/kit";

/**
 * When appended records are forced to stable storage. A write(2) alone already survives the agent
 * being killed (the page cache keeps it); fdatasync is what survives a power cut, and it costs
 * milliseconds on SD cards, so the agent picks the trade-off.
 */
export type SyncPolicy =
  /** fdatasync at the end of every append or appendBatch call. */
  | "batch"
  /** fdatasync once this many records or this many milliseconds are unsynced, whichever comes first. */
  | { everyRecords?: number; everyMs?: number };

export interface SpoolOptions {
  /** Directory holding the segment files and the ack offset; created if missing. */
  dir: string;
  /** Bound on the bytes of all live segment files; the oldest messages are dropped beyond it. */
  maxBytes?: number;
  /** A segment is closed and a new one started once it would grow past this. */
  segmentBytes?: number;
  sync?: SyncPolicy;
  clock?: Clock;
}

export interface ResolvedOptions {
  dir: string;
  maxBytes: number;
  segmentBytes: number;
  /** Sync at the end of each append call ("batch"); otherwise by the two thresholds. */
  syncPerBatch: boolean;
  everyRecords: number;
  everyMs: number;
  clock: Clock;
}

export const DEFAULT_MAX_BYTES = 64 * 1024 * 1024;
export const DEFAULT_SEGMENT_BYTES = 4 * 1024 * 1024;

function positiveInteger(name: string, value: number | undefined, fallback: number): number {
  const v = value ?? fallback;
  if (!Number.isSafeInteger(v) || v <= 0) throw new RangeError(`spool option ${name} must be a positive integer, got ${String(value)}`);
  return v;
}

export function resolveOptions(options: SpoolOptions): ResolvedOptions {
  if (typeof options.dir !== "string" || options.dir === "") throw new TypeError("spool option dir must be a non-empty path");
  const maxBytes = positiveInteger("maxBytes", options.maxBytes, DEFAULT_MAX_BYTES);
  const segmentBytes = positiveInteger("segmentBytes", options.segmentBytes, Math.min(DEFAULT_SEGMENT_BYTES, Math.floor(maxBytes / 8)));
  // Drops are whole segments, so two must fit: the one being dropped and the one being written.
  if (segmentBytes * 2 > maxBytes) {
    throw new RangeError(`spool option segmentBytes (${segmentBytes}) must be at most half of maxBytes (${maxBytes})`);
  }
  const sync = options.sync ?? "batch";
  let everyRecords = Number.POSITIVE_INFINITY;
  let everyMs = 0;
  if (sync !== "batch") {
    if (typeof sync !== "object" || sync === null)
      throw new TypeError(`spool option sync must be "batch" or an object, got ${String(sync)}`);
    if (sync.everyRecords === undefined && sync.everyMs === undefined) {
      throw new RangeError("spool option sync needs everyRecords or everyMs");
    }
    everyRecords = sync.everyRecords === undefined ? Number.POSITIVE_INFINITY : positiveInteger("sync.everyRecords", sync.everyRecords, 1);
    everyMs = sync.everyMs === undefined ? 0 : positiveInteger("sync.everyMs", sync.everyMs, 1);
  }
  return {
    dir: options.dir,
    maxBytes,
    segmentBytes,
    syncPerBatch: sync === "batch",
    everyRecords,
    everyMs,
    clock: options.clock ?? systemClock,
  };
}
