import { type Clock, systemClock } from "@edgefleet/kit";
import type { Spool } from "../spool/spool.js";

/** How the broker answered one QoS 1 publish: PUBACK with success, or PUBACK with an error reason code. */
export type PublishOutcome = "delivered" | "refused";

/**
 * Publishes one spooled message on the current connection. Resolves on PUBACK; rejects when the
 * message may not have reached the broker (the connection went away), so it is sent again.
 */
export type Publish = (topic: string, payload: Uint8Array) => Promise<PublishOutcome>;

export interface SenderEvents {
  /** Each PUBACK, with its outcome. */
  published?(outcome: PublishOutcome): void;
  /** A publish failed for a reason other than a PUBACK: the connection is suspect and should be replaced. */
  linkFailed?(err: unknown): void;
  /** Acknowledging in the spool failed: messages stay and are sent again (duplicates, never losses). */
  ackFailed?(err: unknown): void;
}

export interface SenderOptions {
  readonly spool: Spool;
  readonly events?: SenderEvents;
  /** Times the coalesced spool ack. */
  readonly clock?: Clock;
}

/**
 * How long after a PUBACK the spool ack is written, taking every PUBACK since with it: each ack is
 * two fsyncs, so one per PUBACK would cap replay at the disk's sync rate. A crash loses at most
 * that much of the ack, and those messages are sent again (duplicates, which the gateway drops by seq).
 */
export const ACK_FLUSH_MS = 100;

interface InFlight {
  readonly id: number;
  done: boolean;
}

/**
 * Drains the spool in order over one connection at a time, with at most `window` QoS 1 publishes
 * awaiting PUBACK. A message leaves the spool only once it and every message before it were
 * acknowledged; when a connection goes, whatever was in flight is sent again on the next one.
 * A refused message (PUBACK with an error code, e.g. not authorized) is acknowledged too:
 * resending it would be refused again and hold up everything behind it. It is counted.
 */
export class SpoolSender {
  private publish: Publish | undefined;
  private window = 0;
  /** Bumped per connection, so callbacks from a closed one change nothing. */
  private generation = 0;
  private inFlight: InFlight[] = [];
  /** The newest id handed to the current connection. */
  private cursor = -1;
  /** The newest id acknowledged in order, in memory; the spool's ack file follows it. */
  private acked = -1;
  private ackScheduled = false;
  private readonly clock: Clock;

  constructor(private readonly options: SenderOptions) {
    this.clock = options.clock ?? systemClock;
  }

  get inFlightCount(): number {
    return this.inFlight.length;
  }

  /** Starts sending over a new connection, from the oldest unacknowledged message. */
  attach(publish: Publish, window: number): void {
    if (!Number.isSafeInteger(window) || window < 1) throw new RangeError(`sender window must be a positive integer, got ${window}`);
    this.generation += 1;
    this.publish = publish;
    this.window = window;
    this.inFlight = [];
    this.cursor = this.acked;
    this.pump();
  }

  /** The connection is gone: what was in flight goes again on the next one. */
  detach(): void {
    this.generation += 1;
    this.publish = undefined;
    this.inFlight = [];
    this.cursor = this.acked;
  }

  /** Sends what the spool holds, up to the window; call after each append. */
  pump(): void {
    const publish = this.publish;
    if (publish === undefined) return;
    const generation = this.generation;
    while (this.inFlight.length < this.window) {
      const records = this.options.spool.peek(this.window - this.inFlight.length, this.cursor);
      if (records.length === 0) return;
      for (const record of records) {
        const entry: InFlight = { id: record.id, done: false };
        this.inFlight.push(entry);
        this.cursor = record.id;
        publish(record.topic, record.payload).then(
          (outcome) => this.complete(generation, entry, outcome),
          (err: unknown) => this.fail(generation, err),
        );
      }
    }
  }

  /** True when nothing is in flight and the spool holds nothing unsent. */
  idle(): boolean {
    return this.inFlight.length === 0 && this.options.spool.peek(1, this.cursor).length === 0;
  }

  /**
   * Writes the in-memory ack to the spool now: on shutdown, and before each append, so a message
   * the broker already has is never counted as dropped if the byte bound drops its segment.
   */
  flushAck(): void {
    this.ackScheduled = false;
    try {
      this.options.spool.ack(this.acked);
    } catch (err) {
      this.options.events?.ackFailed?.(err);
    }
  }

  private complete(generation: number, entry: InFlight, outcome: PublishOutcome): void {
    if (generation !== this.generation) return;
    this.options.events?.published?.(outcome);
    entry.done = true;
    let advanced = false;
    while (this.inFlight[0]?.done) {
      this.acked = this.inFlight.shift()?.id ?? this.acked;
      advanced = true;
    }
    if (advanced && !this.ackScheduled) {
      this.ackScheduled = true;
      this.clock.setTimer(() => this.flushAck(), ACK_FLUSH_MS);
    }
    this.pump();
  }

  private fail(generation: number, err: unknown): void {
    if (generation !== this.generation) return;
    this.detach();
    this.options.events?.linkFailed?.(err);
  }
}
