import type { Logger } from "@edgefleet/kit";
import { REBIRTH_TOPIC, SCHEMA_VERSION } from "@edgefleet/telemetry";
import mqtt, { type IPublishPacket, type MqttClient } from "mqtt";
import type { Delivery } from "./ingest.js";
import { subscriptions } from "./topics.js";

/** MQTT 5 subscription identifiers: they tell which subscription delivered a message. */
const STREAM = 1;
const REGISTRY = 2;

export interface SubscriberOptions {
  readonly brokerUrl: string;
  /** PEM contents, read by the caller. */
  readonly tls: { readonly ca?: Buffer; readonly cert?: Buffer; readonly key?: Buffer };
  readonly clientId: string;
  /** undefined: one unshared subscription to everything. */
  readonly sharedGroup: string | undefined;
  readonly keepaliveSeconds: number;
  readonly sessionExpirySeconds: number;
  readonly deliver: (d: Delivery) => void;
  readonly connected: (up: boolean) => void;
  readonly log: Logger;
}

export interface Subscriber {
  /** Subscribed, so messages flow. */
  readonly ready: boolean;
  /** Disconnects, keeping the broker's session (it queues for this client id until it expires). */
  close(): Promise<void>;
}

function subscriptionIds(packet: IPublishPacket): number[] {
  const id = packet.properties?.subscriptionIdentifier;
  return id === undefined ? [] : Array.isArray(id) ? id : [id];
}

const isRegistryKind = (topic: string) => topic.endsWith("/birth") || topic.endsWith("/death");

/**
 * Connects with a persistent session (clean start off, a session expiry) and QoS 1, so what is
 * published while the gateway reconnects waits in its session. Whenever the broker has no session
 * for it (first start, expired, broker restarted) and on this process's first connection (its
 * registry is empty), it subscribes and asks every agent for its birth.
 */
export function subscribe(options: SubscriberOptions): Subscriber {
  const { log, sharedGroup } = options;
  const client: MqttClient = mqtt.connect(options.brokerUrl, {
    ...options.tls,
    rejectUnauthorized: true,
    protocolVersion: 5,
    clientId: options.clientId,
    clean: false,
    properties: { sessionExpiryInterval: options.sessionExpirySeconds },
    keepalive: options.keepaliveSeconds,
    reconnectPeriod: 1_000,
    connectTimeout: 10_000,
    resubscribe: false,
  });
  const filters = subscriptions(sharedGroup);
  let ready = false;
  let firstConnection = true;

  const setUp = async (sessionPresent: boolean) => {
    // Retained births only on this process's first subscription: later the registry has them.
    const rh = firstConnection ? 0 : 1;
    const needBirths = firstConnection || !sessionPresent;
    firstConnection = false;
    const granted = [
      ...(await client.subscribeAsync({ [filters.stream]: { qos: 1, rh } }, { properties: { subscriptionIdentifier: STREAM } })),
      ...(filters.registry.length
        ? await client.subscribeAsync(Object.fromEntries(filters.registry.map((t) => [t, { qos: 1 as const, rh }])), {
            properties: { subscriptionIdentifier: REGISTRY },
          })
        : []),
    ];
    const refused = granted.filter((g) => g.qos > 2);
    if (refused.length > 0) {
      log.error("the broker refused subscriptions (check the ACL for this identity)", {
        refused: refused.map((g) => ({ topic: g.topic, reasonCode: g.qos })),
      });
      return;
    }
    if (needBirths) {
      await client.publishAsync(REBIRTH_TOPIC, JSON.stringify({ schemaVersion: SCHEMA_VERSION, timestamp: Date.now() }), { qos: 1 });
    }
    ready = true;
    log.info("subscribed", { filters: [filters.stream, ...filters.registry], sessionPresent, rebirthRequested: needBirths });
  };

  client.on("connect", (connack) => {
    options.connected(true);
    log.info("connected to the broker", { broker: options.brokerUrl, clientId: options.clientId, sessionPresent: connack.sessionPresent });
    setUp(connack.sessionPresent).catch((err: unknown) => log.error("subscribing failed", { error: String(err) }));
  });
  client.on("close", () => {
    if (ready || client.connected) log.warn("disconnected from the broker");
    ready = false;
    options.connected(false);
  });
  client.on("error", (err) => log.warn("mqtt error", { error: err.message }));
  client.on("message", (topic, payload, packet) => {
    const ids = subscriptionIds(packet);
    if (sharedGroup !== undefined && !ids.includes(REGISTRY) && isRegistryKind(topic)) return;
    options.deliver({ topic, payload, retained: packet.retain });
  });

  return {
    get ready() {
      return ready && client.connected;
    },
    close: async () => {
      ready = false;
      await client.endAsync();
    },
  };
}
