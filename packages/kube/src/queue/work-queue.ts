import { type Clock, systemClock } from "@edgefleet/kit";
import { noMetrics, type WorkQueueMetrics } from "./metrics.js";

export interface WorkQueueOptions {
  clock?: Clock;
  metrics?: WorkQueueMetrics;
}

// Compact the backing array once this many handed-out keys sit before its head.
const COMPACT_AFTER = 1024;

/**
 * A first-in first-out queue of keys ("namespace/name") with client-go's guarantees: a key is
 * queued at most once however often it is added, and never handed to two workers at once; a key
 * added while it is being processed is queued again when its worker calls done().
 */
export class WorkQueue {
  protected readonly clock: Clock;
  protected readonly metrics: WorkQueueMetrics;
  #queue: string[] = [];
  #head = 0;
  /** Keys that need processing: queued, or waiting for their current processing to finish. */
  #dirty = new Set<string>();
  #processing = new Set<string>();
  #queuedAt = new Map<string, number>();
  #startedAt = new Map<string, number>();
  #waiters: ((key: string | undefined) => void)[] = [];
  #shuttingDown = false;
  #drained: (() => void)[] = [];

  constructor(options: WorkQueueOptions = {}) {
    this.clock = options.clock ?? systemClock;
    this.metrics = options.metrics ?? noMetrics;
  }

  add(key: string): void {
    if (this.#shuttingDown || this.#dirty.has(key)) return;
    this.metrics.added();
    this.#dirty.add(key);
    if (!this.#processing.has(key)) this.#push(key);
  }

  /** The next key, once there is one; undefined when the queue is shut down and empty, so workers stop. */
  get(): Promise<string | undefined> {
    if (this.length > 0) return Promise.resolve(this.#take());
    if (this.#shuttingDown) return Promise.resolve(undefined);
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  /** Ends the processing of a key returned by get(); must follow every get(). */
  done(key: string): void {
    const started = this.#startedAt.get(key);
    if (started !== undefined) this.metrics.worked((this.clock.now() - started) / 1000);
    this.#startedAt.delete(key);
    this.#processing.delete(key);
    if (this.#dirty.has(key)) this.#push(key);
    else this.#resolveIfDrained();
  }

  /** Keys waiting to be handed out. */
  get length(): number {
    return this.#queue.length - this.#head;
  }

  /** Work in progress: summed and longest time since get(), to spot stuck workers. */
  inProgress(): { totalSeconds: number; longestSeconds: number } {
    const now = this.clock.now();
    let total = 0;
    let longest = 0;
    for (const started of this.#startedAt.values()) {
      total += now - started;
      longest = Math.max(longest, now - started);
    }
    return { totalSeconds: total / 1000, longestSeconds: longest / 1000 };
  }

  get shuttingDown(): boolean {
    return this.#shuttingDown;
  }

  /**
   * Stops accepting keys. Keys already queued are still handed out, and idle workers get
   * undefined; resolves once the queue is empty and no key is being processed.
   */
  shutDown(): Promise<void> {
    this.#shuttingDown = true;
    for (const waiter of this.#waiters.splice(0)) waiter(undefined);
    return new Promise((resolve) => {
      this.#drained.push(resolve);
      this.#resolveIfDrained();
    });
  }

  #push(key: string): void {
    this.#queue.push(key);
    this.#queuedAt.set(key, this.clock.now());
    this.metrics.depth(this.length);
    const waiter = this.#waiters.shift();
    if (waiter) waiter(this.#take());
  }

  #take(): string {
    const key = this.#queue[this.#head++];
    if (key === undefined) throw new Error("WorkQueue: take from an empty queue");
    if (this.#head >= COMPACT_AFTER && this.#head * 2 >= this.#queue.length) {
      this.#queue = this.#queue.slice(this.#head);
      this.#head = 0;
    }
    const now = this.clock.now();
    this.metrics.depth(this.length);
    this.metrics.queued((now - (this.#queuedAt.get(key) ?? now)) / 1000);
    this.#queuedAt.delete(key);
    this.#dirty.delete(key);
    this.#processing.add(key);
    this.#startedAt.set(key, now);
    return key;
  }

  #resolveIfDrained(): void {
    if (!this.#shuttingDown || this.length > 0 || this.#processing.size > 0) return;
    for (const resolve of this.#drained.splice(0)) resolve();
  }
}
