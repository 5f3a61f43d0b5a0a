import { closeSync, fsyncSync, openSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/**
 * Small numbers the spool keeps beside its segments, each in its own file so updating one never
 * rewrites segments: the id of the last record the broker acknowledged ("ack") and the messages
 * dropped since the spool was created ("dropped"). Written to a temporary file and renamed over,
 * so a crash leaves the old or the new value and never a torn one.
 */
const ACK = "ack";
const DROPPED = "dropped";

/** A non-negative (or -1) integer kept in dir/name; fallback when the file does not exist. */
export function readNumberFile(dir: string, name: string, fallback: number, what: string): number {
  let text: string;
  try {
    text = readFileSync(join(dir, name), "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return fallback;
    throw err;
  }
  const value = Number(text.trim());
  if (!Number.isSafeInteger(value) || value < fallback)
    throw new Error(`spool ${name} file ${join(dir, name)} holds ${JSON.stringify(text)}, not ${what}`);
  return value;
}

/** Replaces dir/name atomically and durably (temporary file, fsync, rename, directory fsync). */
export function writeNumberFile(dir: string, name: string, value: number): void {
  const tmp = join(dir, `${name}.tmp`);
  const fd = openSync(tmp, "w");
  try {
    writeFileSync(fd, `${value}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, join(dir, name));
  syncDir(dir);
}

/** -1 when nothing was ever acknowledged. */
export const readAck = (dir: string): number => readNumberFile(dir, ACK, -1, "a record id");
export const writeAck = (dir: string, id: number): void => writeNumberFile(dir, ACK, id);

/** 0 for a spool that never dropped anything. */
export const readDropped = (dir: string): number => readNumberFile(dir, DROPPED, 0, "a message count");
export const writeDropped = (dir: string, messages: number): void => writeNumberFile(dir, DROPPED, messages);

/** Makes a rename, create or unlink in dir durable: those live in the directory, not the file. */
export function syncDir(dir: string): void {
  const fd = openSync(dir, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
