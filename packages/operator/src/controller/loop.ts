import type { RateLimitedQueue } from "@edgefleet/kube";
import { informersProblem, type WatchedInformer } from "./informer-health.js";
import { type WorkerOptions, work } from "./worker.js";

/** What the loop needs of an Informer, whatever it caches. */
export interface LoopInformer extends WatchedInformer {
  readonly hasSynced: boolean;
  synced(): Promise<void>;
  stop(): Promise<void>;
}

export interface ControllerLoopOptions {
  queue: RateLimitedQueue;
  /** Every informer the controller reads: lead waits for them, stop stops them, the probes read their health. */
  informers: readonly LoopInformer[];
  /** Concurrent reconciles. */
  workers: number;
  /** What each worker runs with, less the queue and leading flag this loop owns. */
  worker: Omit<WorkerOptions, "queue" | "leading">;
}

/**
 * What each of the operator's controllers (EdgeModels, builds, federated training) does alike
 * around its reconciles: keys are queued only while it leads, since lead() queues every object
 * once anyway; lead waits for every cache first; stop lets in-flight reconciles end, drops the
 * keys still queued, then stops the informers.
 */
export class ControllerLoop {
  readonly #o: ControllerLoopOptions;
  #leading = false;
  #workers: Promise<void>[] = [];

  constructor(o: ControllerLoopOptions) {
    this.#o = o;
  }

  get leading(): boolean {
    return this.#leading;
  }

  /** Queues a key while leading; one that names no object (undefined) is nothing to do. */
  add(key: string | undefined): void {
    if (key && this.#leading) this.#o.queue.add(key);
  }

  get synced(): boolean {
    return this.#o.informers.every((i) => i.hasSynced);
  }

  /**
   * For liveness: the informers that have gone without a fresh list or an open watch for longer
   * than maxDownMs. Each retries by itself with backoff; one still down after that long may be
   * wedged in a way only a restart clears.
   */
  informerProblem(maxDownMs: number): string | undefined {
    return informersProblem(this.#o.informers, maxDownMs);
  }

  /** Keys its workers have taken and not finished, for the work queue's stuck-worker gauges. */
  inProgress(): { totalSeconds: number; longestSeconds: number } {
    return this.#o.queue.inProgress();
  }

  /** Waits for every cache, then queues what `first` adds (every object once: the events before were not acted on) and starts the workers. */
  async lead(first: () => void): Promise<void> {
    await Promise.all(this.#o.informers.map((i) => i.synced()));
    this.#leading = true;
    first();
    const options: WorkerOptions = { ...this.#o.worker, queue: this.#o.queue, leading: () => this.#leading };
    this.#workers = Array.from({ length: this.#o.workers }, () => work(options));
  }

  /** Lets in-flight reconciles finish, drops the keys still queued, then stops the informers. */
  async stop(): Promise<void> {
    this.#leading = false;
    const drained = this.#o.queue.shutDown();
    await Promise.all(this.#workers);
    await drained;
    await Promise.all(this.#o.informers.map((i) => i.stop()));
  }
}
