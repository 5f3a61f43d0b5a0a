import type { ArtifactCache } from "./cache.js";
import { sha256File } from "./digest.js";

/**
 * Problems with a cache, empty when it is consistent: every model's active and previous blob is
 * present with the recorded size, and every blob hashes to its name. Reads every blob, so it is for
 * start-up checks and tests, not for each load.
 */
export function checkCache(cache: ArtifactCache): string[] {
  const problems: string[] = [];
  const blobs = new Map(cache.blobs().map((b) => [b.sha256, b]));
  for (const { namespace, model, state } of cache.models()) {
    for (const [role, entry] of [
      ["active", state.active],
      ["previous", state.previous],
    ] as const) {
      if (!entry) continue;
      const blob = blobs.get(entry.sha256);
      if (!blob) problems.push(`${namespace}/${model} ${role} version ${entry.version}: blob ${entry.sha256} is missing`);
      else if (blob.bytes !== entry.sizeBytes)
        problems.push(`${namespace}/${model} ${role} version ${entry.version}: blob has ${blob.bytes} bytes, expected ${entry.sizeBytes}`);
    }
  }
  for (const blob of blobs.values()) {
    const actual = sha256File(blob.path);
    if (actual !== blob.sha256) problems.push(`blob ${blob.sha256} holds bytes with sha256 ${actual}`);
  }
  return problems;
}
