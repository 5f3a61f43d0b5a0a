/** A file the cache may delete to stay within its bound: a blob, or a stale partial download. */
export interface CacheFile {
  path: string;
  /** The digest it holds (or will hold, for a partial download). */
  sha256: string;
  bytes: number;
  /** Wall-clock ms of the last install, activation or open; 0 for partial downloads, which go first. */
  lastUsed: number;
}

/**
 * Files to delete, least recently used first, until the rest plus `reserveBytes` fits in maxBytes.
 * Pinned digests (every model's active and previous version with their evaluation data, and
 * installs in flight) are never chosen, even when that leaves the cache over its bound.
 */
export function planEviction(files: readonly CacheFile[], pinned: ReadonlySet<string>, maxBytes: number, reserveBytes = 0): CacheFile[] {
  let bytes = reserveBytes + files.reduce((sum, f) => sum + f.bytes, 0);
  const victims: CacheFile[] = [];
  const candidates = files.filter((f) => !pinned.has(f.sha256)).sort((a, b) => a.lastUsed - b.lastUsed || a.path.localeCompare(b.path));
  for (const file of candidates) {
    if (bytes <= maxBytes) break;
    victims.push(file);
    bytes -= file.bytes;
  }
  return victims;
}
