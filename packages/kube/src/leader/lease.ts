import type { Logger } from "@edgefleet/kit";
import { type Clock, systemClock } from "@edgefleet/kit";
import type { KubeClient } from "../client.js";
import { isNotFound, KubeError } from "../errors.js";
import { collectionPath, objectPath, RESOURCES } from "../objects.js";
import { RenewDeadline } from "./renew-deadline.js";

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

/** The three durations of leader election, as LeaderElectorOptions takes them. */
export type LeaseTimings = Pick<LeaderElectorOptions, "leaseDurationSeconds" | "renewDeadlineMs" | "retryPeriodMs">;

/**
 * What is wrong with the timings, or undefined. A leader steps down at its renew deadline, and
 * standbys take over a lease duration after its last renewal: the gap between the two is what keeps
 * two leaders from acting at once, so the deadline must come first. `names` are how the caller's
 * users spell the three settings (its flags).
 */
export function leaseTimingsProblem(
  t: LeaseTimings,
  names: Record<keyof LeaseTimings, string> = {
    leaseDurationSeconds: "leaseDurationSeconds",
    renewDeadlineMs: "renewDeadlineMs",
    retryPeriodMs: "retryPeriodMs",
  },
): string | undefined {
  if (!(t.leaseDurationSeconds >= 1 && Number.isInteger(t.leaseDurationSeconds))) {
    return `${names.leaseDurationSeconds} must be a whole number of seconds >= 1, got ${t.leaseDurationSeconds}`;
  }
  if (!(t.renewDeadlineMs < t.leaseDurationSeconds * 1000)) {
    return `${names.renewDeadlineMs} (${t.renewDeadlineMs} ms) must be shorter than ${names.leaseDurationSeconds} (${t.leaseDurationSeconds} s): a leader must step down before a standby may take over`;
  }
  if (!(t.retryPeriodMs < t.renewDeadlineMs)) {
    return `${names.retryPeriodMs} (${t.retryPeriodMs} ms) must be shorter than ${names.renewDeadlineMs} (${t.renewDeadlineMs} ms): a leader must get more than one try to renew`;
  }
  return undefined;
}

/**
 * client-go's leader election on a coordination.k8s.io Lease. Expiry is judged by this process's
 * monotonic clock from when it last saw the lease record change, never by comparing the holder's
 * timestamps with the local wall clock, so clock skew between machines cannot cause two leaders.
 * Writes carry the resource version read, so of two contenders exactly one wins.
 *
 * A leader steps down at its renew deadline whatever its requests do: a timer fires there, and
 * every lease request is bounded by the time left before it. The deadline counts from when the
 * successful write was sent, which is no later than the server stored it, so it always falls
 * at least leaseDuration − renewDeadline before any standby may take over.
 */
export class LeaderElector {
  readonly #o: Required<LeaderElectorOptions>;
  #observed: { record: string; at: number } | undefined;
  #lease: Lease | undefined;
  #leading = false;
  #stopped = false;
  #deadline: RenewDeadline | undefined;
  #wake: (() => void) | undefined;
  #running: Promise<void> | undefined;

  constructor(options: LeaderElectorOptions) {
    const problem = leaseTimingsProblem(options);
    if (problem) throw new Error(problem);
    this.#o = { clock: systemClock, ...options };
  }

  /**
   * Whether this instance leads now: checked against the deadline itself, not only the timer, so
   * it turns false on time even when a busy event loop runs the timer late.
   */
  get leading(): boolean {
    return this.#leading && this.#deadline?.passed === false;
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
    this.#deadline?.cancel();
    if (this.#leading) await this.#release();
  }

  async #run(callbacks: LeaderCallbacks): Promise<void> {
    const { clock, retryPeriodMs, renewDeadlineMs, log } = this.#o;
    let lost = false;
    const stepDown = () => {
      lost = true;
      this.#leading = false;
      this.#wake?.();
      log.error("leadership lost: no renewal within the renew deadline", { lease: this.#o.name, renewDeadlineMs });
      callbacks.onStoppedLeading();
    };
    while (!this.#stopped && !lost) {
      // A leader's requests must end by its deadline; a candidate's within one renew deadline, so it keeps campaigning.
      const until = clock.now() + (this.#leading ? (this.#deadline?.leftMs ?? 0) : renewDeadlineMs);
      const sentAt = await this.#tryAcquireOrRenew(until).catch((err: unknown) => {
        log.warn("lease update failed", { lease: this.#o.name, error: String(err) });
        return undefined;
      });
      if (this.#stopped || lost) break;
      if (sentAt !== undefined && this.#leading) this.#deadline?.renewed(sentAt);
      // An acquisition whose answer came after its own deadline would be a term already over.
      else if (sentAt !== undefined && clock.now() - sentAt < renewDeadlineMs) {
        this.#deadline = new RenewDeadline(clock, renewDeadlineMs, sentAt, stepDown);
        this.#leading = true;
        log.info("became leader", { lease: `${this.#o.namespace}/${this.#o.name}`, identity: this.#o.identity });
        callbacks.onStartedLeading();
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

  /** The time the winning write was sent, or undefined when another instance holds the lease or won the race. */
  async #tryAcquireOrRenew(until: number): Promise<number | undefined> {
    const { client, namespace, name, identity, leaseDurationSeconds, clock } = this.#o;
    const bounded = <T>(args: Parameters<KubeClient["request"]>[0]): Promise<T> => {
      const timeoutMs = until - clock.now();
      if (timeoutMs <= 0) return Promise.reject(new Error("no time left before the renew deadline"));
      return client.request<T>({ ...args, timeoutMs });
    };
    const now = this.#leaseTime();
    let current: Lease;
    try {
      current = await bounded<Lease>({ method: "GET", path: objectPath(RESOURCES.leases, name, namespace) });
    } catch (err) {
      if (!isNotFound(err)) throw err;
      const spec = { holderIdentity: identity, leaseDurationSeconds, acquireTime: now, renewTime: now, leaseTransitions: 0 };
      const sentAt = clock.now();
      this.#lease = await bounded<Lease>({
        method: "POST",
        path: collectionPath(RESOURCES.leases, namespace),
        body: { apiVersion: "coordination.k8s.io/v1", kind: "Lease", metadata: { name, namespace }, spec },
      });
      return sentAt;
    }
    const record = JSON.stringify(current.spec);
    if (this.#observed?.record !== record) this.#observed = { record, at: clock.now() };
    const holder = current.spec.holderIdentity ?? "";
    const heldFor = (current.spec.leaseDurationSeconds ?? leaseDurationSeconds) * 1000;
    const mine = holder === identity;
    if (!mine && holder !== "" && clock.now() - this.#observed.at < heldFor) return undefined;
    const spec: LeaseSpec = {
      holderIdentity: identity,
      leaseDurationSeconds,
      acquireTime: mine ? (current.spec.acquireTime ?? now) : now,
      renewTime: now,
      leaseTransitions: (current.spec.leaseTransitions ?? 0) + (mine ? 0 : 1),
    };
    const sentAt = clock.now();
    try {
      this.#lease = await bounded<Lease>({
        method: "PUT",
        path: objectPath(RESOURCES.leases, name, namespace),
        body: { ...current, spec },
      });
    } catch (err) {
      if (err instanceof KubeError && err.status === 409) return undefined;
      throw err;
    }
    this.#observed = { record: JSON.stringify(this.#lease.spec), at: clock.now() };
    return sentAt;
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
