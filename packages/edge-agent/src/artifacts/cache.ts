import { chmodSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, unlinkSync, utimesSync } from "node:fs";
import { join } from "node:path";
import { type Clock, DEFAULT_STALE_MS, systemClock } from "@edgefleet/kit";
import { syncDir } from "../spool/ack-file.js";
import { type CacheFile, planEviction } from "./eviction.js";
import { type ModelState, nextState, readModelState, rolledBack, TMP_SUFFIX, type VersionEntry, writeModelState } from "./model-state.js";
import { PartialFile } from "./partial-file.js";

export interface ArtifactCacheOptions {
  /** Directory of the cache; created if missing. One agent process owns it. */
  root: string;
  /** Bound on the bytes of blobs and partial downloads; only unpinned blobs are evicted to keep it. */
  maxBytes?: number;
  /** Its wall clock stamps activations and uses, so tests order least-recent use without sleeping. */
  clock?: Clock;
}

export interface ActiveArtifact {
  version: string;
  sha256: string;
  /** The verified model file, read-only; the only path a runtime should load. */
  path: string;
}

export interface CacheStats {
  blobs: number;
  bytes: number;
  /** Bytes of blobs that eviction may not touch; above maxBytes the cache stays over its bound. */
  pinnedBytes: number;
  maxBytes: number;
}

export const DEFAULT_CACHE_MAX_BYTES = 8 * 1024 ** 3;
const DIGEST = /^[a-f0-9]{64}$/;
const NAME = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const PARTIAL_SUFFIX = ".partial";
const LOCK_SUFFIX = ".lock";

/** The lock of eviction, model state and opening the cache (install-locks.ts): held briefly. */
export function cacheLockPath(root: string): string {
  return join(root, "install.lock");
}

/** The lock of one digest's download and blob until its activation (install-locks.ts). */
export function blobLockPath(root: string, sha256: string): string {
  checkDigest(sha256);
  return join(root, "locks", sha256 + LOCK_SUFFIX);
}

/**
 * Where the cache under root keeps the verified blob of a digest (a model file, or a variant's
 * evaluation data): for readers such as the agent, which never open the cache for writing.
 */
export function blobPath(root: string, sha256: string): string {
  checkDigest(sha256);
  return join(root, "blobs", "sha256", sha256);
}

function checkName(what: string, value: string): void {
  if (!NAME.test(value)) throw new Error(`${what} must be a Kubernetes name (lowercase DNS label), got ${JSON.stringify(value)}`);
}

function checkDigest(sha256: string): void {
  if (!DIGEST.test(sha256)) throw new Error(`sha256 must be 64 lowercase hex characters, got ${JSON.stringify(sha256)}`);
}

/**
 * The node's content-addressed model cache:
 *   blobs/sha256/<digest>              verified model files and evaluation data, read-only
 *   partial/<digest>.partial           downloads in progress, resumed after a restart
 *   models/<namespace>/<model>.json    active and previous version of each model
 *   locks/<digest>.lock                installs (of other processes) working on that digest
 * A blob appears only by an fsynced rename of a complete, verified download, and model state only
 * changes by an atomic replace, so a crash at any point leaves a consistent cache.
 */
export class ArtifactCache {
  private readonly reserved = new Map<string, number>();
  readonly maxBytes: number;
  private readonly clock: Clock;

  private constructor(
    readonly root: string,
    options: ArtifactCacheOptions,
  ) {
    this.maxBytes = options.maxBytes ?? DEFAULT_CACHE_MAX_BYTES;
    if (!Number.isSafeInteger(this.maxBytes) || this.maxBytes <= 0) {
      throw new RangeError(`artifact cache option maxBytes must be a positive integer, got ${String(options.maxBytes)}`);
    }
    this.clock = options.clock ?? systemClock;
  }

  static open(options: ArtifactCacheOptions): ArtifactCache {
    if (typeof options.root !== "string" || options.root === "") throw new TypeError("artifact cache option root must be a non-empty path");
    const cache = new ArtifactCache(options.root, options);
    for (const dir of [cache.blobDir, cache.partialDir, cache.modelDir, cache.lockDir]) mkdirSync(dir, { recursive: true });
    // A state write cut short by a crash leaves its temporary file; the real state is intact.
    for (const { dir, name } of cache.stateFiles(TMP_SUFFIX)) unlinkSync(join(dir, name));
    return cache;
  }

  private get blobDir(): string {
    return join(this.root, "blobs", "sha256");
  }
  private get partialDir(): string {
    return join(this.root, "partial");
  }
  private get modelDir(): string {
    return join(this.root, "models");
  }
  private get lockDir(): string {
    return join(this.root, "locks");
  }

  blobPath(sha256: string): string {
    return blobPath(this.root, sha256);
  }

  /**
   * Removes a blob whose bytes are not what its name says (a corrupted or tampered file), so that
   * it is downloaded again. The caller holds the digest's lock.
   */
  discardBlob(sha256: string): void {
    rmSync(this.blobPath(sha256), { force: true });
    syncDir(this.blobDir);
  }

  /** Size of the blob with this digest; undefined when the cache does not hold it. */
  blobSize(sha256: string): number | undefined {
    const st = statSync(this.blobPath(sha256), { throwIfNoEntry: false });
    return st?.isFile() ? st.size : undefined;
  }

  private statePath(namespace: string, model: string): string {
    checkName("namespace", namespace);
    checkName("model", model);
    return join(this.modelDir, namespace, `${model}.json`);
  }

  state(namespace: string, model: string): ModelState | undefined {
    return readModelState(this.statePath(namespace, model));
  }

  /** Every model with a state, for pinning and for the agent's start-up. */
  models(): { namespace: string; model: string; state: ModelState }[] {
    return this.stateFiles(".json").flatMap(({ dir, name }) => {
      const state = readModelState(join(dir, name));
      return state ? [{ namespace: dir.slice(this.modelDir.length + 1), model: name.slice(0, -".json".length), state }] : [];
    });
  }

  private stateFiles(suffix: string): { dir: string; name: string }[] {
    return readdirSync(this.modelDir).flatMap((ns) => {
      const dir = join(this.modelDir, ns);
      return readdirSync(dir)
        .filter((name) => name.endsWith(suffix))
        .map((name) => ({ dir, name }));
    });
  }

  /** The version a runtime should load, marking its blob recently used. */
  active(namespace: string, model: string): ActiveArtifact | undefined {
    const state = this.state(namespace, model);
    if (!state) return undefined;
    const path = this.blobPath(state.active.sha256);
    this.touch(path);
    return { version: state.active.version, sha256: state.active.sha256, path };
  }

  /** Keeps a digest's blob and partial download from eviction until the returned release is called. */
  reserve(sha256: string): () => void {
    checkDigest(sha256);
    this.reserved.set(sha256, (this.reserved.get(sha256) ?? 0) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.reserved.get(sha256) ?? 1) - 1;
      if (left > 0) this.reserved.set(sha256, left);
      else this.reserved.delete(sha256);
    };
  }

  /** The download of a digest, resuming whatever an earlier attempt left. */
  openPartial(sha256: string): PartialFile {
    checkDigest(sha256);
    return PartialFile.open(join(this.partialDir, sha256 + PARTIAL_SUFFIX));
  }

  discardPartial(partial: PartialFile): void {
    partial.close();
    rmSync(partial.path, { force: true });
  }

  /**
   * Moves a complete download into the blobs. The caller has checked its size and digest; the
   * bytes are fsynced before the rename and the rename before returning, so a blob is never partial.
   */
  commit(partial: PartialFile, sha256: string): void {
    const path = this.blobPath(sha256);
    partial.sync();
    partial.close();
    chmodSync(partial.path, 0o444);
    renameSync(partial.path, path);
    syncDir(this.blobDir);
    this.touch(path);
  }

  /** Makes a version active; the old active one becomes the previous. */
  activate(namespace: string, model: string, entry: Omit<VersionEntry, "activatedAt">): ModelState {
    const path = this.statePath(namespace, model);
    if (this.blobSize(entry.sha256) === undefined)
      throw new Error(`cannot activate ${namespace}/${model} ${entry.version}: blob ${entry.sha256} is not in the cache`);
    // Checked now: a malformed digest in the state would make the whole state file unreadable.
    if (entry.evaluationSha256 !== undefined) checkDigest(entry.evaluationSha256);
    mkdirSync(join(this.modelDir, namespace), { recursive: true });
    const current = readModelState(path);
    const next = nextState(current, { ...entry, activatedAt: this.clock.wallMs() });
    if (next !== current) writeModelState(path, next);
    this.touch(this.blobPath(entry.sha256));
    return next;
  }

  /** Swaps back to the previous version at once: its blob is pinned, so nothing is downloaded. */
  rollback(namespace: string, model: string): ModelState {
    const path = this.statePath(namespace, model);
    const next = rolledBack(readModelState(path), this.clock.wallMs());
    if (!next) throw new Error(`cannot roll back ${namespace}/${model}: it has no previous version in the cache`);
    writeModelState(path, next);
    this.touch(this.blobPath(next.active.sha256));
    return next;
  }

  private pinned(): Set<string> {
    const pinned = new Set([...this.reserved.keys(), ...this.lockedElsewhere()]);
    for (const { state } of this.models()) {
      for (const entry of [state.active, state.previous]) {
        if (!entry) continue;
        pinned.add(entry.sha256);
        // Present or not yet: the agent scores the version on it whenever it is there.
        if (entry.evaluationSha256) pinned.add(entry.evaluationSha256);
      }
    }
    return pinned;
  }

  /**
   * Digests another process is installing: its lock file is fresh (the holder refreshes it; a
   * stale one, left by a killed install, pins nothing). Real time, like the lock's own refresh.
   */
  private lockedElsewhere(): string[] {
    return readdirSync(this.lockDir).flatMap((name) => {
      const sha256 = name.slice(0, -LOCK_SUFFIX.length);
      if (!name.endsWith(LOCK_SUFFIX) || !DIGEST.test(sha256)) return [];
      const st = statSync(join(this.lockDir, name), { throwIfNoEntry: false });
      return st && Date.now() - st.mtimeMs <= DEFAULT_STALE_MS ? [sha256] : [];
    });
  }

  /** Every blob in the cache, with its size and last use. */
  blobs(): CacheFile[] {
    return readdirSync(this.blobDir)
      .filter((name) => DIGEST.test(name))
      .map((sha256) => {
        const path = join(this.blobDir, sha256);
        const st = statSync(path);
        return { path, sha256, bytes: st.size, lastUsed: st.mtimeMs };
      });
  }

  private partials(): CacheFile[] {
    return readdirSync(this.partialDir)
      .filter((name) => name.endsWith(PARTIAL_SUFFIX))
      .map((name) => {
        const path = join(this.partialDir, name);
        return { path, sha256: name.slice(0, -PARTIAL_SUFFIX.length), bytes: statSync(path).size, lastUsed: 0 };
      });
  }

  /** Deletes unpinned files, least recently used first, until the cache plus reserveBytes fits. */
  evict(reserveBytes = 0): CacheFile[] {
    const victims = planEviction([...this.blobs(), ...this.partials()], this.pinned(), this.maxBytes, reserveBytes);
    for (const victim of victims) rmSync(victim.path, { force: true });
    if (victims.length) {
      syncDir(this.blobDir);
      syncDir(this.partialDir);
    }
    return victims;
  }

  stats(): CacheStats {
    const pinned = this.pinned();
    const blobs = this.blobs();
    return {
      blobs: blobs.length,
      bytes: blobs.reduce((sum, f) => sum + f.bytes, 0),
      pinnedBytes: blobs.filter((f) => pinned.has(f.sha256)).reduce((sum, f) => sum + f.bytes, 0),
      maxBytes: this.maxBytes,
    };
  }

  private touch(path: string): void {
    const seconds = this.clock.wallMs() / 1000;
    utimesSync(path, seconds, seconds);
  }
}
