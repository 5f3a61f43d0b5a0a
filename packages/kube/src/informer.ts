import type { Logger } from "@edgefleet/kit";
import { type Clock, exponentialBackoff, systemClock } from "@edgefleet/kit";
import type { KubeClient } from "./client.js";
import { KubeError } from "./errors.js";
import { collectionPath, type KubeObject, objectKey, type Resource } from "./objects.js";

export interface InformerHandlers<T> {
  added?(obj: T): void;
  updated?(before: T, after: T): void;
  deleted?(obj: T): void;
}

/** Where an informer reports its life, for the operator's own metrics. */
export interface InformerMetrics {
  restarted(resource: string, reason: "error" | "stall" | "expired"): void;
  event(resource: string, type: string): void;
  objects(resource: string, count: number): void;
}

export interface InformerOptions<T extends KubeObject> {
  client: KubeClient;
  resource: Resource;
  /** Watch one namespace; all when unset. */
  namespace?: string;
  labelSelector?: string;
  /**
   * Only objects matching it (e.g. status.phase=Pending): one that stops matching leaves the cache
   * as if deleted, since the API server's watch then sends DELETED.
   */
  fieldSelector?: string;
  /**
   * Keeps only what the operator reads of each object: caches of thousands of objects with
   * managedFields and unused status would not fit the operator's memory budget.
   */
  transform: (raw: KubeObject) => T;
  /** Secondary keys to look objects up by (e.g. their owner's key): one, several or none. */
  index?: (obj: T) => string | readonly (string | undefined)[] | undefined;
  handlers: InformerHandlers<T>;
  log: Logger;
  metrics: InformerMetrics;
  clock?: Clock;
  /** Objects per list page, so a large list never sits in memory whole. */
  pageSize?: number;
  /** The server ends each watch after a random time in [min, 2 × min) seconds; it is then resumed. */
  watchTimeoutSeconds?: number;
  /** Restart a watch that has sent nothing for this long past its server-side timeout. */
  stallGraceMs?: number;
}

interface WatchEvent {
  type: "ADDED" | "MODIFIED" | "DELETED" | "BOOKMARK" | "ERROR";
  object: KubeObject & { code?: number; message?: string };
}

class Stalled extends Error {}
class Expired extends Error {}

/** Informers restarting together after an API server outage must not come back in lockstep. */
const restartDelay = exponentialBackoff({ baseMs: 200, maxMs: 30_000, jitter: "equal" });

/**
 * A list-watch cache of one kind of object. It is supervised: any error, an expired resource
 * version or a watch that went silent (no event, not even a bookmark, past its timeout) restarts
 * it with backoff, resuming from the last resource version seen, or relisting when that is gone.
 * Handlers run synchronously on each change; they should only enqueue keys.
 */
export class Informer<T extends KubeObject> {
  readonly #o: Required<Omit<InformerOptions<T>, "namespace" | "labelSelector" | "fieldSelector" | "index">> & InformerOptions<T>;
  #store = new Map<string, T>();
  #byIndex = new Map<string, Set<string>>();
  #resourceVersion: string | undefined;
  #synced = false;
  #stopped = false;
  #abort: (() => void) | undefined;
  #sleeping: (() => void) | undefined;
  #running: Promise<void> | undefined;
  #onSynced: (() => void)[] = [];
  /** Since when it has been neither listed nor watching (monotonic ms); undefined while it is. Down from the start until the first list. */
  #downSince: number | undefined;

  constructor(options: InformerOptions<T>) {
    this.#o = { clock: systemClock, pageSize: 500, watchTimeoutSeconds: 60, stallGraceMs: 15_000, ...options };
    this.#downSince = this.#o.clock.now();
  }

  /** How long it has gone without a fresh list or an open watch (0 while it has one), for liveness. */
  downForMs(): number {
    return this.#downSince === undefined ? 0 : this.#o.clock.now() - this.#downSince;
  }

  get resource(): string {
    return this.#o.resource.name;
  }

  get hasSynced(): boolean {
    return this.#synced;
  }

  /** Resolves once the first list is in the cache. */
  synced(): Promise<void> {
    return this.#synced ? Promise.resolve() : new Promise((resolve) => this.#onSynced.push(resolve));
  }

  get(key: string): T | undefined {
    return this.#store.get(key);
  }

  list(): T[] {
    return [...this.#store.values()];
  }

  byIndex(value: string): T[] {
    return [...(this.#byIndex.get(value) ?? [])].flatMap((k) => this.#store.get(k) ?? []);
  }

  get size(): number {
    return this.#store.size;
  }

  start(): void {
    this.#running ??= this.#supervise();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#abort?.();
    this.#sleeping?.();
    await this.#running;
  }

  async #supervise(): Promise<void> {
    let failures = 0;
    while (!this.#stopped) {
      try {
        if (this.#resourceVersion === undefined) await this.#relist();
        failures = 0;
        await this.#watch();
      } catch (err) {
        if (this.#stopped) break;
        this.#downSince ??= this.#o.clock.now();
        const reason = err instanceof Stalled ? "stall" : err instanceof Expired ? "expired" : "error";
        this.#o.metrics.restarted(this.resource, reason);
        if (reason === "expired") {
          this.#resourceVersion = undefined;
          this.#o.log.info("informer relisting: resource version expired", { resource: this.resource });
          continue;
        }
        const delay = restartDelay(failures++);
        this.#o.log.warn("informer restarting", { resource: this.resource, reason, error: String(err), retryInMs: Math.round(delay) });
        await this.#sleep(delay);
      }
    }
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const cancel = this.#o.clock.setTimer(resolve, ms, { keepAlive: true });
      this.#sleeping = () => {
        cancel();
        resolve();
      };
    });
  }

  #query(extra: Record<string, string>): string {
    const params = new URLSearchParams(extra);
    if (this.#o.labelSelector) params.set("labelSelector", this.#o.labelSelector);
    if (this.#o.fieldSelector) params.set("fieldSelector", this.#o.fieldSelector);
    return `${collectionPath(this.#o.resource, this.#o.namespace)}?${params}`;
  }

  /** Lists page by page into a fresh cache, then tells handlers what changed since the last one. */
  async #relist(): Promise<void> {
    const fresh = new Map<string, T>();
    let cont = "";
    let rv = "";
    do {
      const page = await this.#o.client.request<{ items: KubeObject[]; metadata: { continue?: string; resourceVersion: string } }>({
        method: "GET",
        path: this.#query({ limit: String(this.#o.pageSize), ...(cont ? { continue: cont } : {}) }),
      });
      for (const item of page.items) {
        const obj = this.#o.transform(item);
        fresh.set(objectKey(obj), obj);
      }
      cont = page.metadata.continue ?? "";
      rv = page.metadata.resourceVersion;
    } while (cont);
    const before = this.#store;
    this.#store = fresh;
    this.#byIndex.clear();
    for (const [key, obj] of fresh) this.#indexAdd(key, obj);
    this.#resourceVersion = rv;
    this.#downSince = undefined;
    this.#o.metrics.objects(this.resource, fresh.size);
    for (const [key, obj] of before) if (!fresh.has(key)) this.#o.handlers.deleted?.(obj);
    for (const [key, obj] of fresh) {
      const old = before.get(key);
      if (!old) this.#o.handlers.added?.(obj);
      else if (old.metadata.resourceVersion !== obj.metadata.resourceVersion) this.#o.handlers.updated?.(old, obj);
    }
    if (!this.#synced) {
      this.#synced = true;
      for (const resolve of this.#onSynced.splice(0)) resolve();
    }
  }

  /** One watch from the last resource version; resolves when the server ends it. */
  async #watch(): Promise<void> {
    const timeout = Math.round(this.#o.watchTimeoutSeconds * (1 + Math.random()));
    const path = this.#query({
      watch: "true",
      allowWatchBookmarks: "true",
      timeoutSeconds: String(timeout),
      resourceVersion: this.#resourceVersion ?? "",
    });
    const { response, request } = await this.#o.client.stream(path);
    this.#downSince = undefined;
    await new Promise<void>((resolve, reject) => {
      let buffered = "";
      let cancelWatchdog = () => {};
      const fail = (err: Error) => {
        cancelWatchdog();
        request.destroy();
        reject(err);
      };
      const armWatchdog = () => {
        cancelWatchdog();
        cancelWatchdog = this.#o.clock.setTimer(
          () => fail(new Stalled(`no watch event for ${timeout}s + ${this.#o.stallGraceMs}ms`)),
          timeout * 1000 + this.#o.stallGraceMs,
        );
      };
      this.#abort = () => fail(new Error("informer stopped"));
      armWatchdog();
      response.setEncoding("utf8");
      response.on("data", (chunk: string) => {
        armWatchdog();
        buffered += chunk;
        let newline = buffered.indexOf("\n");
        while (newline >= 0) {
          const line = buffered.slice(0, newline);
          buffered = buffered.slice(newline + 1);
          newline = buffered.indexOf("\n");
          if (!line.trim()) continue;
          try {
            this.#apply(JSON.parse(line) as WatchEvent);
          } catch (err) {
            fail(err instanceof Error ? err : new Error(String(err)));
            return;
          }
        }
      });
      response.on("end", () => {
        cancelWatchdog();
        resolve();
      });
      response.on("error", fail);
      response.on("aborted", () => fail(new Error("watch connection aborted")));
    });
  }

  #apply(event: WatchEvent): void {
    this.#o.metrics.event(this.resource, event.type);
    if (event.type === "ERROR") {
      const code = event.object.code ?? 0;
      if (code === 410) throw new Expired(event.object.message ?? "resource version expired");
      throw new KubeError(code, "WatchError", event.object.message ?? "watch error");
    }
    this.#resourceVersion = event.object.metadata.resourceVersion ?? this.#resourceVersion;
    if (event.type === "BOOKMARK") return;
    const obj = this.#o.transform(event.object);
    const key = objectKey(obj);
    const old = this.#store.get(key);
    if (old) this.#indexRemove(key, old);
    if (event.type === "DELETED") {
      this.#store.delete(key);
      this.#o.metrics.objects(this.resource, this.#store.size);
      this.#o.handlers.deleted?.(obj);
      return;
    }
    this.#store.set(key, obj);
    this.#indexAdd(key, obj);
    this.#o.metrics.objects(this.resource, this.#store.size);
    if (old) this.#o.handlers.updated?.(old, obj);
    else this.#o.handlers.added?.(obj);
  }

  #indexValues(obj: T): string[] {
    const values = this.#o.index?.(obj);
    if (values === undefined) return [];
    return typeof values === "string" ? [values] : values.filter((v) => v !== undefined);
  }

  #indexAdd(key: string, obj: T): void {
    for (const value of this.#indexValues(obj)) {
      const keys = this.#byIndex.get(value) ?? new Set();
      keys.add(key);
      this.#byIndex.set(value, keys);
    }
  }

  #indexRemove(key: string, obj: T): void {
    for (const value of this.#indexValues(obj)) {
      const keys = this.#byIndex.get(value);
      keys?.delete(key);
      if (keys?.size === 0) this.#byIndex.delete(value);
    }
  }
}
