import { acquireFileLock } from "@edgefleet/kit";
import { blobLockPath, cacheLockPath } from "./cache.js";

/**
 * What an install holds while it touches shared parts of the cache. A digest's lock covers its
 * partial download and its blob up to the activation that pins it (a download of one digest never
 * waits for another's); the cache lock covers eviction, model state and opening the cache, and is
 * only ever held briefly, never across a download. Order: a blob lock, then the cache lock.
 */
export interface InstallLocks {
  withBlob<T>(sha256: string, signal: AbortSignal | undefined, run: () => Promise<T>): Promise<T>;
  withCache<T>(signal: AbortSignal | undefined, run: () => T): Promise<T>;
}

/** One process's installs already take turns (the Installer queues them): nothing to lock. */
export const inProcessLocks: InstallLocks = {
  withBlob: (_sha256, _signal, run) => run(),
  withCache: async (_signal, run) => run(),
};

/**
 * Lock files in the cache, for installs in several processes on one node (the runtime pods' init
 * containers). Eviction spares every digest whose lock file is fresh (ArtifactCache.pinned), so one
 * process never deletes a partial download or an unactivated blob of another.
 */
export function fileLocks(root: string, timeoutMs: number): InstallLocks {
  const busy = "another install on this node holds it (or raise --lock-timeout)";
  return {
    async withBlob(sha256, signal, run) {
      const lock = await acquireFileLock({ path: blobLockPath(root, sha256), timeoutMs, busy, ...(signal ? { signal } : {}) });
      try {
        return await run();
      } finally {
        lock.release();
      }
    },
    async withCache(signal, run) {
      const lock = await acquireFileLock({ path: cacheLockPath(root), timeoutMs, busy, ...(signal ? { signal } : {}) });
      try {
        return run();
      } finally {
        lock.release();
      }
    },
  };
}
