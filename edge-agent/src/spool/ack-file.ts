import { closeSync, fsyncSync, openSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/**
 * The id of the last record the broker acknowledged, in its own file so acking never rewrites
 * segments. Written to a temporary file and renamed over, so a crash leaves the old or the new
 * value and never a torn one.
 */
const ACK = "ack";
const ACK_TMP = "ack.tmp";

/** -1 when nothing was ever acknowledged. */
export function readAck(dir: string): number {
  let text: string;
  try {
    text = readFileSync(join(dir, ACK), "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return -1;
    throw err;
  }
  const id = Number(text.trim());
  if (!Number.isSafeInteger(id) || id < -1)
    throw new Error(`spool ack file ${join(dir, ACK)} holds ${JSON.stringify(text)}, not a record id`);
  return id;
}

export function writeAck(dir: string, id: number): void {
  const tmp = join(dir, ACK_TMP);
  const fd = openSync(tmp, "w");
  try {
    writeFileSync(fd, `${id}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, join(dir, ACK));
  syncDir(dir);
}

/** Makes a rename, create or unlink in dir durable: those live in the directory, not the file. */
export function syncDir(dir: string): void {
  const fd = openSync(dir, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
