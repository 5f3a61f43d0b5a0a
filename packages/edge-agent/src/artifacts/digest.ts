import { createHash, type Hash } from "node:crypto";
import { closeSync, createReadStream, openSync, readSync } from "node:fs";

const READ_CHUNK = 1024 * 1024;

/** Feeds a whole open file into a hash in fixed-size reads (models can be gigabytes); returns its length. */
export function hashFd(fd: number, hash: Hash): number {
  const buffer = Buffer.allocUnsafe(READ_CHUNK);
  let length = 0;
  for (let n = readSync(fd, buffer, 0, READ_CHUNK, 0); n > 0; n = readSync(fd, buffer, 0, READ_CHUNK, length)) {
    hash.update(buffer.subarray(0, n));
    length += n;
  }
  return length;
}

/** Hex SHA-256 of a file, as sha256sum prints it. */
export function sha256File(path: string): string {
  const fd = openSync(path, "r");
  try {
    const hash = createHash("sha256");
    hashFd(fd, hash);
    return hash.digest("hex");
  } finally {
    closeSync(fd);
  }
}

/**
 * sha256File without blocking the event loop: hashing a large blob takes seconds per GiB, and the
 * install's lock files must keep being refreshed meanwhile, or other installs take them over as stale.
 */
export async function sha256FileAsync(path: string, signal?: AbortSignal): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path, { highWaterMark: READ_CHUNK, ...(signal ? { signal } : {}) }))
    hash.update(chunk as Buffer);
  return hash.digest("hex");
}
