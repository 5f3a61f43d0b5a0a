import { readFileSync } from "node:fs";
import { type Backoff, type Clock, type Logger, systemClock } from "@edgefleet/kit";
import { type BirthPayload, type DeathPayload, SCHEMA_VERSION } from "@edgefleet/telemetry";
import mqtt, { type IClientOptions, type MqttClient } from "mqtt";
import type { Publish, PublishOutcome, SpoolSender } from "./sender.js";
import { type NodeTopics, nodeTopics, REBIRTH_TOPIC } from "./topics.js";

/** PEM files for mqtts://, read at every connect so rotated certificates take effect without a restart. */
export interface TlsFiles {
  readonly ca?: string;
  readonly cert?: string;
  readonly key?: string;
}

export interface PublisherEvents {
  connecting?(): void;
  connected?(): void;
  disconnected?(): void;
  birth?(reason: "connect" | "rebirth"): void;
}

export interface PublisherOptions {
  /** mqtt://host:port or mqtts://host:port. */
  readonly url: string;
  readonly site: string;
  readonly node: string;
  readonly tls?: TlsFiles;
  readonly keepaliveSeconds: number;
  readonly connectTimeoutMs?: number;
  /** Delay before reconnect attempt number `failures` (0-based); the agent jitters it fully. */
  readonly backoff: Backoff;
  /** The most QoS 1 publishes awaiting PUBACK; lowered to the broker's receive maximum. */
  readonly window: number;
  readonly sender: SpoolSender;
  /** The birth to publish now: built per connect, so it carries the current inventory and time. */
  readonly birth: () => BirthPayload;
  /** Subscribes to the node's retained assignments topic on every connection, and hands each message on. */
  readonly assignments?: { readonly topic: string; readonly received: (payload: Buffer) => void };
  /** Its wall clock stamps payloads; its timers run the reconnect backoff and the shutdown drain. */
  readonly clock?: Clock;
  readonly log: Logger;
  readonly events?: PublisherEvents;
}

const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
const encode = (payload: unknown) => Buffer.from(JSON.stringify(payload));

/**
 * The agent's MQTT 5 connection. mqtt.js's own reconnect (a fixed reconnectPeriod) is off: each
 * attempt is a fresh client after a full-jitter backoff, so no session or in-flight state carries
 * over between connections. The spool is the one source of truth for what still needs sending,
 * and the sender replays it in order on every new connection.
 */
export class MqttPublisher {
  private client: MqttClient | undefined;
  private failures = 0;
  private cancelRetry: (() => void) | undefined;
  private stopping = false;
  private readonly topics: NodeTopics;
  private readonly clock: Clock;

  constructor(private readonly options: PublisherOptions) {
    this.topics = nodeTopics(options.site, options.node);
    this.clock = options.clock ?? systemClock;
  }

  get connected(): boolean {
    return this.client?.connected === true;
  }

  start(): void {
    this.connect();
  }

  /**
   * Clean shutdown: sends what the spool holds for up to drainMs, publishes death (shutdown) and
   * disconnects normally, which tells the broker not to send the will.
   */
  async stop(drainMs: number): Promise<void> {
    this.stopping = true;
    this.cancelRetry?.();
    const client = this.client;
    if (client === undefined) return;
    if (client.connected) {
      const deadline = this.clock.now() + drainMs;
      while (!this.options.sender.idle() && client.connected && this.clock.now() < deadline) await this.sleep(20);
      this.options.sender.flushAck();
      const death: DeathPayload = { schemaVersion: SCHEMA_VERSION, timestamp: this.clock.wallMs(), reason: "shutdown" };
      try {
        await this.withTimeout(client.publishAsync(this.topics.death, encode(death), { qos: 1 }), Math.max(1_000, drainMs / 2));
        this.options.log.info("published death", { reason: "shutdown" });
      } catch (err) {
        this.options.log.warn("could not publish death on shutdown; the broker sends the will instead", { error: String(err) });
      }
    }
    this.options.sender.detach();
    this.client = undefined;
    await new Promise<void>((resolve) => client.end(false, { reasonCode: 0 }, () => resolve()));
  }

  private connect(): void {
    if (this.stopping) return;
    const { url, keepaliveSeconds, log } = this.options;
    this.options.events?.connecting?.();
    let client: MqttClient;
    try {
      client = mqtt.connect(url, this.clientOptions());
    } catch (err) {
      // Bad URL or unreadable certificate files: retried, since a provisioner may still be writing them.
      log.error("cannot start an MQTT connection", { url, error: String(err) });
      this.scheduleReconnect();
      return;
    }
    this.client = client;
    client.on("connect", (connack) => {
      const receiveMaximum = connack.properties?.receiveMaximum ?? Number.POSITIVE_INFINITY;
      const window = Math.max(1, Math.min(this.options.window, receiveMaximum));
      log.info("connected to the broker", { url, keepaliveSeconds, window });
      this.options.events?.connected?.();
      client.subscribe(REBIRTH_TOPIC, { qos: 1 }, (err) => {
        if (err) log.warn("cannot subscribe to rebirth requests", { topic: REBIRTH_TOPIC, error: String(err) });
      });
      const assignments = this.options.assignments;
      if (assignments)
        client.subscribe(assignments.topic, { qos: 1 }, (err, granted) => {
          // Mosquitto answers an ACL refusal with a failure code in the SUBACK, not an error.
          const refused = granted?.some((g) => g.qos > 2);
          if (err || refused)
            log.error("cannot subscribe to this node's assignments; no runtime is probed", {
              topic: assignments.topic,
              error: err ? String(err) : "refused by the broker",
            });
        });
      this.publishBirth(client, "connect");
      this.options.sender.attach(this.publisher(client), window);
    });
    client.on("message", (topic, payload) => {
      if (topic === REBIRTH_TOPIC) this.publishBirth(client, "rebirth");
      else if (topic === this.options.assignments?.topic) this.options.assignments.received(payload);
    });
    client.on("error", (err) => log.warn("MQTT connection error", { url, error: err.message }));
    client.on("close", () => this.onClose(client));
  }

  private clientOptions(): IClientOptions {
    const { tls, keepaliveSeconds, connectTimeoutMs = DEFAULT_CONNECT_TIMEOUT_MS, site, node } = this.options;
    const lost: DeathPayload = { schemaVersion: SCHEMA_VERSION, timestamp: this.clock.wallMs(), reason: "connection-lost" };
    return {
      protocolVersion: 5,
      clientId: `edgefleet-agent-${site}-${node}`.slice(0, 256),
      clean: true,
      keepalive: keepaliveSeconds,
      connectTimeout: connectTimeoutMs,
      reconnectPeriod: 0,
      resubscribe: false,
      queueQoSZero: false,
      will: { topic: this.topics.death, payload: encode(lost), qos: 1, retain: false },
      ...(tls?.ca !== undefined ? { ca: readFileSync(tls.ca) } : {}),
      ...(tls?.cert !== undefined ? { cert: readFileSync(tls.cert) } : {}),
      ...(tls?.key !== undefined ? { key: readFileSync(tls.key) } : {}),
      rejectUnauthorized: true,
    };
  }

  private publisher(client: MqttClient): Publish {
    return (topic, payload) =>
      new Promise<PublishOutcome>((resolve, reject) => {
        client.publish(topic, Buffer.from(payload), { qos: 1 }, (err) => {
          if (err === undefined || err === null) resolve("delivered");
          // A PUBACK carrying an error reason code: the broker answered, and would answer the same again.
          else if (typeof (err as { code?: unknown }).code === "number") {
            this.options.log.warn("broker refused a message", { topic, error: err.message });
            resolve("refused");
          } else reject(err);
        });
      });
  }

  private publishBirth(client: MqttClient, reason: "connect" | "rebirth"): void {
    let birth: BirthPayload;
    try {
      birth = this.options.birth();
    } catch (err) {
      this.options.log.error("cannot build the birth message", { error: String(err) });
      return;
    }
    client.publish(this.topics.birth, encode(birth), { qos: 1, retain: true }, (err) => {
      if (err) {
        this.options.log.warn("birth not acknowledged", { reason, error: err.message });
        return;
      }
      // A birth the broker took proves the connection works end to end: start backoff afresh.
      this.failures = 0;
      this.options.events?.birth?.(reason);
      this.options.log.info("published birth", { reason });
    });
  }

  private onClose(client: MqttClient): void {
    if (this.client !== client) return;
    this.client = undefined;
    this.options.sender.detach();
    this.options.events?.disconnected?.();
    client.removeAllListeners("connect");
    client.removeAllListeners("message");
    client.end(true);
    if (!this.stopping) this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    const delay = this.options.backoff(this.failures);
    this.failures += 1;
    this.options.log.info("reconnecting", { inMs: delay, attempt: this.failures });
    this.cancelRetry = this.clock.setTimer(() => {
      this.cancelRetry = undefined;
      this.connect();
    }, delay);
  }

  // The shutdown's own waits keep the process alive: stop() is awaited until they end.
  private sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => this.clock.setTimer(resolve, ms, { keepAlive: true }));
  }

  private withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const cancel = this.clock.setTimer(() => reject(new Error(`no answer within ${ms} ms`)), ms, { keepAlive: true });
      promise.then(
        (value) => {
          cancel();
          resolve(value);
        },
        (err: unknown) => {
          cancel();
          reject(err);
        },
      );
    });
  }
}
