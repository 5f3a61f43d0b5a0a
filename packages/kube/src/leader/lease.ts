import type { Logger } from "@edgefleet/kit";
import { type Clock, systemClock } from "@edgefleet/kit";
import type { KubeClient } from "../client.js";
import { isNotFound, KubeError } from "../errors.js";
import { collectionPath, objectPath, RESOURCES } from "../objects.js";

interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
}

interface Lease {
  apiVersion: "coordination.k8s.io/v1";
  kind: "Lease";
  metadata: { name: string; namespace: string; resourceVersion?: string };
  spec: LeaseSpec;
}

export interface LeaderElectorOptions {
  /** A client of its own: renewals must not wait behind the controller's request-rate limit. */
  client: KubeClient;
  namespace: string;
  name: string;
  identity: string;
  /** How long a lease holds without renewal; standbys take over after it. Whole seconds, as the Lease stores it. */
  leaseDurationSeconds: number;
  /** The leader gives up when it could not renew for this long, before others may take over. */
  renewDeadlineMs: number;
  /** Pause between attempts to acquire or renew. */
  retryPeriodMs: number;
  log: Logger;
  /** Monotonic time judges expiry; wall-clock time stamps the Lease. */
  clock?: Clock;
}

export interface LeaderCallbacks {
  onStartedLeading(): void;
  /** Leadership was lost (not released): the process must stop acting at once. */
  onStoppedLeading(): void;
}

/**
 * client-go's leader election on a coordination.k8s.io Lease. Expiry is judged by this process's
 * monotonic clock from when it last saw the lease record change, never by comparing the holder's
 * timestamps with the local wall clock, so clock skew between machines cannot cause two leaders.
 * Writes carry the resource version read, so of two contenders exactly one wins.
 */
export class LeaderElector {
  readonly #o: Required<LeaderElectorOptions>;
  #observed: { record: string; at: number } | undefined;
  #lease: Lease | undefined;
  #leading = false;
  #stopped = false;
  #wake: (() => void) | undefined;
  #running: Promise<void> | undefined;

  constructor(options: LeaderElectorOptions) {
    if (!(options.leaseDurationSeconds >= 1 && Number.isInteger(options.leaseDurationSeconds))) {
      throw new Error(`leaseDurationSeconds must be a whole number of seconds >= 1, got ${options.leaseDurationSeconds}`);
    }
    if (!(options.renewDeadlineMs > options.retryPeriodMs && options.renewDeadlineMs < options.leaseDurationSeconds * 1000)) {
      throw new Error(
        `need retryPeriod < renewDeadline < leaseDuration, got retryPeriod ${options.retryPeriodMs}ms, renewDeadline ${options.renewDeadlineMs}ms, leaseDuration ${options.leaseDurationSeconds}s`,
      );
    }
    this.#o = { clock: systemClock, ...options };
  }

  /** Campaigns until leading, then renews until stopped or lost. */
  start(callbacks: LeaderCallbacks): void {
    this.#running ??= this.#run(callbacks);
  }

  /** Stops campaigning and renewing; a leader hands the lease back so a standby takes over at once. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#wake?.();
    await this.#running;
    if (this.#leading) await this.#release();
  }

  async #run(callbacks: LeaderCallbacks): Promise<void> {
    const { clock, retryPeriodMs, renewDeadlineMs, log } = this.#o;
    let lastRenew = 0;
    while (!this.#stopped) {
      const ok = await this.#tryAcquireOrRenew().catch((err: unknown) => {
        log.warn("lease update failed", { lease: this.#o.name, error: String(err) });
        return false;
      });
      if (this.#stopped) break;
      if (ok) {
        lastRenew = clock.now();
        if (!this.#leading) {
          this.#leading = true;
          log.info("became leader", { lease: `${this.#o.namespace}/${this.#o.name}`, identity: this.#o.identity });
          callbacks.onStartedLeading();
        }
      } else if (this.#leading && clock.now() - lastRenew > renewDeadlineMs) {
        this.#leading = false;
        log.error("leadership lost: no renewal within the renew deadline", { lease: this.#o.name, renewDeadlineMs });
        callbacks.onStoppedLeading();
        return;
      }
      await new Promise<void>((resolve) => {
        const cancel = clock.setTimer(resolve, retryPeriodMs, { keepAlive: true });
        this.#wake = () => {
          cancel();
          resolve();
        };
      });
    }
  }

  async #tryAcquireOrRenew(): Promise<boolean> {
    const { client, namespace, name, identity, leaseDurationSeconds, clock } = this.#o;
    const now = this.#leaseTime();
    let current: Lease;
    try {
      current = await client.request<Lease>({ method: "GET", path: objectPath(RESOURCES.leases, name, namespace) });
    } catch (err) {
      if (!isNotFound(err)) throw err;
      const spec = { holderIdentity: identity, leaseDurationSeconds, acquireTime: now, renewTime: now, leaseTransitions: 0 };
      this.#lease = await client.request<Lease>({
        method: "POST",
        path: collectionPath(RESOURCES.leases, namespace),
        body: { apiVersion: "coordination.k8s.io/v1", kind: "Lease", metadata: { name, namespace }, spec },
      });
      return true;
    }
    const record = JSON.stringify(current.spec);
    if (this.#observed?.record !== record) this.#observed = { record, at: clock.now() };
    const holder = current.spec.holderIdentity ?? "";
    const heldFor = (current.spec.leaseDurationSeconds ?? leaseDurationSeconds) * 1000;
    const mine = holder === identity;
    if (!mine && holder !== "" && clock.now() - this.#observed.at < heldFor) return false;
    const spec: LeaseSpec = {
      holderIdentity: identity,
      leaseDurationSeconds,
      acquireTime: mine ? (current.spec.acquireTime ?? now) : now,
      renewTime: now,
      leaseTransitions: (current.spec.leaseTransitions ?? 0) + (mine ? 0 : 1),
    };
    try {
      this.#lease = await client.request<Lease>({
        method: "PUT",
        path: objectPath(RESOURCES.leases, name, namespace),
        body: { ...current, spec },
      });
    } catch (err) {
      if (err instanceof KubeError && err.status === 409) return false;
      throw err;
    }
    this.#observed = { record: JSON.stringify(this.#lease.spec), at: clock.now() };
    return true;
  }

  /** Now in the Lease's MicroTime format. */
  #leaseTime(): string {
    return new Date(this.#o.clock.wallMs()).toISOString().replace("Z", "000Z");
  }

  async #release(): Promise<void> {
    const lease = this.#lease;
    this.#leading = false;
    if (!lease) return;
    const now = this.#leaseTime();
    try {
      await this.#o.client.request({
        method: "PUT",
        path: objectPath(RESOURCES.leases, this.#o.name, this.#o.namespace),
        body: { ...lease, spec: { ...lease.spec, holderIdentity: "", leaseDurationSeconds: 1, renewTime: now } },
      });
      this.#o.log.info("released leadership", { lease: this.#o.name });
    } catch (err) {
      this.#o.log.warn("could not release the lease; standbys take over when it expires", { error: String(err) });
    }
  }
}
