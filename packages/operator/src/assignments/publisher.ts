import { readFileSync } from "node:fs";
import { LABELS, MANAGER } from "@edgefleet/api";
import type { Clock, Logger } from "@edgefleet/kit";
import { systemClock } from "@edgefleet/kit";
import { Informer, type InformerMetrics, type KubeClient, RESOURCES } from "@edgefleet/kube";
import {
  type AssignmentsPayload,
  allAssignmentsOf,
  assignmentsNode,
  assignmentsTopic,
  MAX_INFERENCE_STATS,
  SCHEMA_VERSION,
} from "@edgefleet/telemetry";
import mqtt, { type MqttClient } from "mqtt";
import { assignmentsByNode, type RuntimeDaemonSet, type RuntimePod, slimRuntimeDaemonSet, slimRuntimePod } from "./plan.js";

/** Changes within this window are published together: a rollout moves many pods at once. */
const SETTLE_MS = 500;

/** Between reconnects to the broker (mqtt.js' own loop: the publisher keeps no spool to drain). */
const RECONNECT_MS = 5_000;

export type PublishResult = "published" | "cleared" | "failed" | "truncated";
export const PUBLISH_RESULTS: readonly PublishResult[] = ["published", "cleared", "failed", "truncated"];

export interface AssignmentPublisherOptions {
  readonly client: KubeClient;
  /** Runtime pods and DaemonSets in this namespace only; all when unset (the operator's --namespace). */
  readonly namespace?: string;
  /** The site segment of every node's assignments topic. */
  readonly site: string;
  readonly broker: { readonly url: string; readonly ca?: string; readonly cert?: string; readonly key?: string };
  readonly log: Logger;
  readonly informerMetrics: InformerMetrics;
  /** Counts each node's message by result; truncated also counts a node with more runtimes than a message holds. */
  readonly published: (result: PublishResult) => void;
  readonly clock?: Clock;
  readonly watchTimeoutSeconds?: number;
}

/**
 * Publishes each node's runtimes on the node's own retained MQTT topic, so an agent learns what to
 * probe without reading any pod from the API server. Level-based: every change recomputes every
 * node's assignments from the caches and publishes those that differ from what this connection
 * published; a new connection (the broker keeps no retained messages across its restarts)
 * publishes them all again, and clears any retained message of a node that has none, found by
 * subscribing to the site's assignments once they are published. Only the leader runs it: the
 * broker binds the client id to the certificate, so two replicas would take over each other's session.
 */
export class AssignmentPublisher {
  readonly #o: AssignmentPublisherOptions;
  readonly #clock: Clock;
  readonly #pods: Informer<RuntimePod>;
  readonly #daemonSets: Informer<RuntimeDaemonSet>;
  #mqtt: MqttClient | undefined;
  /** What this connection published per node: the encoded message, to publish only changes. */
  #published = new Map<string, string>();
  #subscribed = false;
  #pending: (() => void) | undefined;

  constructor(options: AssignmentPublisherOptions) {
    this.#o = options;
    this.#clock = options.clock ?? systemClock;
    const onChange = { added: () => this.#schedule(), updated: () => this.#schedule(), deleted: () => this.#schedule() };
    const shared = {
      client: options.client,
      log: options.log,
      metrics: options.informerMetrics,
      clock: this.#clock,
      labelSelector: `${LABELS.managedBy}=${MANAGER}`,
      handlers: onChange,
      ...(options.namespace ? { namespace: options.namespace } : {}),
      ...(options.watchTimeoutSeconds ? { watchTimeoutSeconds: options.watchTimeoutSeconds } : {}),
    };
    this.#pods = new Informer<RuntimePod>({ ...shared, resource: RESOURCES.pods, transform: slimRuntimePod });
    this.#daemonSets = new Informer<RuntimeDaemonSet>({ ...shared, resource: RESOURCES.daemonSets, transform: slimRuntimeDaemonSet });
  }

  /** Never throws: an unreadable identity (its Secret missing) leaves the operator placing models, and publishing nothing, logged. */
  start(): void {
    const { url, ca, cert, key } = this.#o.broker;
    let client: MqttClient;
    try {
      client = mqtt.connect(url, {
        protocolVersion: 5,
        clean: true,
        reconnectPeriod: RECONNECT_MS,
        resubscribe: false,
        ...(ca ? { ca: readFileSync(ca) } : {}),
        ...(cert ? { cert: readFileSync(cert) } : {}),
        ...(key ? { key: readFileSync(key) } : {}),
      });
    } catch (err) {
      this.#o.log.error("assignments: cannot connect to the broker; no assignments are published until a restart", {
        url,
        error: String(err),
      });
      this.#o.published("failed");
      return;
    }
    this.#pods.start();
    this.#daemonSets.start();
    void Promise.all([this.#pods.synced(), this.#daemonSets.synced()]).then(() => this.#schedule());
    this.#mqtt = client;
    client.on("connect", () => {
      this.#o.log.info("assignments: connected to the broker", { url });
      this.#published.clear();
      this.#subscribed = false;
      this.#schedule();
    });
    client.on("message", (topic, payload, packet) => this.#onRetained(topic, payload, packet.retain));
    client.on("error", (err) => this.#o.log.warn("assignments: MQTT connection error", { url, error: err.message }));
  }

  async stop(): Promise<void> {
    this.#pending?.();
    await Promise.all([this.#pods.stop(), this.#daemonSets.stop()]);
    await this.#mqtt?.endAsync();
  }

  #schedule(): void {
    if (this.#pending) return;
    this.#pending = this.#clock.setTimer(() => {
      this.#pending = undefined;
      this.#sync();
    }, SETTLE_MS);
  }

  /** Publishes what changed since this connection's last publish; a failed publish is retried on the next change or connection. */
  #sync(): void {
    const client = this.#mqtt;
    if (!client?.connected || !this.#pods.hasSynced || !this.#daemonSets.hasSynced) return;
    const wanted = assignmentsByNode(this.#daemonSets.list(), this.#pods.list());
    for (const [node, runtimes] of wanted) {
      if (runtimes.length > MAX_INFERENCE_STATS) {
        this.#o.log.warn("assignments: node runs more runtimes than one message holds; the rest are not probed", {
          node,
          runtimes: runtimes.length,
          limit: MAX_INFERENCE_STATS,
        });
        this.#o.published("truncated");
      }
      const payload: AssignmentsPayload = { schemaVersion: SCHEMA_VERSION, runtimes: runtimes.slice(0, MAX_INFERENCE_STATS) };
      this.#publish(client, node, JSON.stringify(payload));
    }
    for (const node of this.#published.keys()) if (!wanted.has(node)) this.#publish(client, node, "");
    if (!this.#subscribed) {
      this.#subscribed = true;
      // No local: only other publishers' retained messages (an earlier connection's) come back.
      client.subscribe(allAssignmentsOf(this.#o.site), { qos: 1, nl: true }, (err) => {
        if (err) this.#o.log.warn("assignments: cannot read the site's retained assignments; stale ones stay", { error: String(err) });
      });
    }
  }

  /** Publishes one node's message (empty: clears its retained one) unless this connection already did. */
  #publish(client: MqttClient, node: string, body: string): void {
    if (this.#published.get(node) === body) return;
    if (body === "") this.#published.delete(node);
    else this.#published.set(node, body);
    let topic: string;
    try {
      topic = assignmentsTopic(this.#o.site, node);
    } catch (err) {
      this.#o.log.warn("assignments: node name cannot be a topic segment", { node, error: String(err) });
      this.#o.published("failed");
      return;
    }
    client.publish(topic, body, { qos: 1, retain: true }, (err) => {
      if (!err) return this.#o.published(body === "" ? "cleared" : "published");
      this.#o.published("failed");
      this.#o.log.warn("assignments: publish failed", { node, error: err.message });
      // Published again at the next change or connection.
      if (this.#published.get(node) === body) this.#published.delete(node);
    });
  }

  /** A retained message of a node this connection assigns nothing to is left from before: cleared. */
  #onRetained(topic: string, payload: Buffer, retained: boolean): void {
    const node = assignmentsNode(this.#o.site, topic);
    const client = this.#mqtt;
    if (!retained || payload.byteLength === 0 || node === undefined || this.#published.has(node) || !client?.connected) return;
    this.#o.log.info("assignments: clearing a node's stale assignments", { node });
    this.#publish(client, node, "");
  }
}
