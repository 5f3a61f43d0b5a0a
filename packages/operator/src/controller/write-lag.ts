import { KubeError } from "@edgefleet/kube";

/**
 * Whether the model cache has seen the operator's own last writes to a model. A reconcile acting
 * on a cached status older than its own last write would repeat that write's rollout decision
 * (analyse again, count an inconclusive analysis twice, advance a step twice), so it waits.
 *
 * Resource versions are compared as integers: Kubernetes guarantees that since 1.35 (KEP-5504,
 * comparable resource versions; the etcd revisions every earlier release used order the same way).
 * Where one is not an integer (a storage that does not promise it), the guard falls back to "the
 * cache still holds the version our write was based on".
 */
export interface OwnWrite {
  /** The model's resourceVersion the write was computed from. */
  base: string;
  /** The resourceVersion the API server gave the written object; unknown when the write failed. */
  written?: string;
  /** A write that failed may or may not have been applied: the cache is waited for until then (wall ms). */
  giveUpAtMs?: number;
}

/** `a` compared with `b` as KEP-5504 resource versions; undefined when either is not one. */
export function compareResourceVersions(a: string, b: string): number | undefined {
  if (!/^[1-9]\d*$/.test(a) || !/^[1-9]\d*$/.test(b)) return undefined;
  if (a.length !== b.length) return a.length < b.length ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** True while the cached model's resourceVersion predates `write`: act on it and a decision repeats. */
export function cacheBehind(cached: string | undefined, write: OwnWrite, nowMs: number): boolean {
  if (!cached) return false;
  if (write.written !== undefined) {
    const order = compareResourceVersions(cached, write.written);
    return order === undefined ? cached === write.base : order < 0;
  }
  if (write.giveUpAtMs !== undefined && nowMs >= write.giveUpAtMs) return false;
  const order = compareResourceVersions(cached, write.base);
  return order === undefined ? cached === write.base : order <= 0;
}

/** How soon a reconcile that found the cache behind its own write looks again. */
export const CACHE_LAG_RETRY_MS = 100;
/** How long a write that failed without an answer (it may have been applied) holds the next reconcile back. */
const FAILED_WRITE_WAIT_MS = 5000;

/**
 * A controller's own last write per object (by key), so that its next reconcile of the object
 * waits for the cache to show it instead of acting on the object as it was before: writing the
 * same status again, and recording its Events twice.
 */
export class OwnWrites {
  readonly #writes = new Map<string, OwnWrite>();
  readonly #clock: { wallMs(): number };

  constructor(clock: { wallMs(): number }) {
    this.#clock = clock;
  }

  /** True while the cached object (its resourceVersion) predates the last write to it; the write is forgotten once the cache shows it. */
  behind(key: string, cached: string | undefined): boolean {
    const own = this.#writes.get(key);
    if (!own) return false;
    if (cacheBehind(cached, own, this.#clock.wallMs())) return true;
    this.#writes.delete(key);
    return false;
  }

  /**
   * Runs write, computed from the object at base, and remembers it: answered, by the version the
   * answer gives; with no answer or a server error, for a while, since it may have been applied all
   * the same. A refused write (4xx) changed nothing and holds nothing back.
   */
  async track<T extends { metadata?: { resourceVersion?: string } }>(
    key: string,
    base: string | undefined,
    write: () => Promise<T | undefined>,
  ): Promise<T | undefined> {
    try {
      const answer = await write();
      const written = answer?.metadata?.resourceVersion;
      if (base) this.#writes.set(key, written ? { base, written } : { base });
      return answer;
    } catch (err) {
      if (base && err instanceof KubeError && (err.status === 0 || err.status >= 500))
        this.#writes.set(key, { base, giveUpAtMs: this.#clock.wallMs() + FAILED_WRITE_WAIT_MS });
      throw err;
    }
  }

  forget(key: string): void {
    this.#writes.delete(key);
  }
}
