import { randomBytes } from "node:crypto";
import type { EdgeModel, EdgeRuntime } from "@edgefleet/api";
import { LABELS } from "@edgefleet/api";
import type { Logger } from "@edgefleet/kit";
import { type Informer, type KubeClient, RESOURCES } from "@edgefleet/kube";
import type { V1Toleration } from "@kubernetes/client-node";
import type { Plan } from "../planner/plan.js";
import { stringQuantities } from "../planner/runtime-container.js";
import { desiredServer, isShared, loadKeySecret, loadKeySecretName, type ServerKey, serverName } from "../planner/shared-server.js";
import { createChild, deleteChild } from "./basics.js";
import { specHash } from "./children.js";
import { type CachedDaemonSet, type CachedNode, SPEC_HASH_ANNOTATION } from "./slim.js";

/** Queue keys of servers start so: no model key does (a namespace has no colon). */
const SERVER_KEY_PREFIX = "server:";

/** The queue key of a server, whose reconcile deletes it once no model uses it. */
function serverQueueKey(namespace: string, server: string): string {
  return `${SERVER_KEY_PREFIX}${namespace}/${server}`;
}

export function isServerQueueKey(key: string): boolean {
  return key.startsWith(SERVER_KEY_PREFIX);
}

interface Labelled {
  metadata?: { namespace?: string; labels?: Record<string, string> };
}

/** The server queue key a DaemonSet or pod concerns: a server's own, or the one a model's loads into. */
export function serverKeyOf(o: Labelled): string | undefined {
  const labels = o.metadata?.labels ?? {};
  const server = labels[LABELS.runtimeServer] ?? labels[LABELS.modelServer];
  return server && o.metadata?.namespace ? serverQueueKey(o.metadata.namespace, server) : undefined;
}

/** The server queue key of a shared server's own DaemonSet or pod; undefined for a model's. */
export function ownServerKey(o: Labelled): string | undefined {
  return o.metadata?.labels?.[LABELS.runtimeServer] ? serverKeyOf(o) : undefined;
}

/** The cache key (namespace/name) of the server's DaemonSet, which is named as the server. */
export function serverDaemonSetKey(serverKey: string): string {
  return serverKey.slice(SERVER_KEY_PREFIX.length);
}

export interface SharedServersOptions {
  client: KubeClient;
  fieldManager: string;
  models: Informer<EdgeModel>;
  nodes: Informer<CachedNode>;
  daemonSets: Informer<CachedDaemonSet>;
  log: Logger;
  /** Queues a model's reconcile: a server someone deleted while models use it is theirs to apply again. */
  requeue: (modelKey: string) => void;
}

/**
 * The servers of runtimes with serving: Shared (planner/shared-server.ts). A model's reconcile
 * applies the servers its placements load into, before its pods start loading; a server's own
 * reconcile (its queue key, queued by events of the DaemonSets that use it) deletes it once no
 * model's DaemonSet in its namespace names it, so an idle server holds no device.
 */
export class SharedServers {
  readonly #o: SharedServersOptions;

  constructor(o: SharedServersOptions) {
    this.#o = o;
  }

  /** Applies the servers the model's placements use, unless the cache shows them as applied. */
  async ensure(model: EdgeModel, plan: Plan): Promise<void> {
    const namespace = model.metadata.namespace ?? "";
    for (const cls of plan.classes) {
      if (!cls.placed || !isShared(cls.choice.runtime)) continue;
      const { runtime, accelerator, binding } = cls.choice;
      const key: ServerKey = { namespace, runtime: runtime.metadata.name ?? "", hardwareClass: cls.hardwareClass, accelerator };
      const nodeSelector = {
        ...this.#placementSelector(model, key),
        ...(cls.labelled ? { [LABELS.hardwareClass]: cls.hardwareClass } : {}),
        ...binding.nodeSelector,
      };
      const resources = stringQuantities(binding.resources);
      const desired = desiredServer({ ...key, runtimeObject: runtime, nodeSelector, resources, tolerations: this.#tolerations(cls.nodes) });
      await this.#apply(key, runtime, desired);
    }
  }

  /**
   * A server's reconcile: deletes it (and its Service, NetworkPolicy and Secret) when no model's
   * DaemonSet uses it; queues its users when it is gone while they use it. Queued only when a
   * server or a model's use of one comes or goes.
   */
  async reconcile(key: string): Promise<"deleted" | "unchanged"> {
    const [namespace = "", server = ""] = serverDaemonSetKey(key).split("/");
    const users = this.users(key);
    const own = this.#o.daemonSets.get(`${namespace}/${server}`);
    if (users.length) {
      if (!own) for (const user of users) this.#o.requeue(user);
      return "unchanged";
    }
    if (!own) return "unchanged";
    for (const resource of [RESOURCES.daemonSets, RESOURCES.services, RESOURCES.networkPolicies])
      await deleteChild(this.#o.client, resource, { name: server, namespace });
    await deleteChild(this.#o.client, RESOURCES.secrets, { name: loadKeySecretName(server), namespace });
    this.#o.log.info("shared server deleted: no model uses it", { namespace, server });
    return "deleted";
  }

  /**
   * The keys of the live models whose DaemonSets load into the server (a DaemonSet of a deleted
   * model uses nothing: the garbage collector deletes it in its own time). The DaemonSets' cache
   * indexes models' DaemonSets by their server's queue key too.
   */
  users(key: string): string[] {
    const namespace = serverDaemonSetKey(key).split("/")[0] ?? "";
    const users = new Set<string>();
    for (const ds of this.#o.daemonSets.byIndex(key)) {
      if (ds.metadata.deletionTimestamp) continue;
      const modelKey = `${namespace}/${ds.metadata.labels?.[LABELS.model]}`;
      const model = this.#o.models.get(modelKey);
      if (model && !model.metadata.deletionTimestamp) users.add(modelKey);
    }
    return [...users];
  }

  /**
   * The placement labels every model of the server selects nodes by (spec.placement.nodeSelector;
   * the labels they share when they differ): the server runs on the class's nodes its models may
   * run on, not beside them on nodes where it would hold a device for nothing. Labels, not node
   * names: a model placed on one more node does not change the server's pod template, which would
   * restart every server pod and reload every model on it.
   */
  #placementSelector(model: EdgeModel, key: ServerKey): Record<string, string> {
    const self = `${key.namespace}/${model.metadata.name}`;
    const others = this.users(serverQueueKey(key.namespace, serverName(key))).filter((k) => k !== self);
    const selectors = [model, ...others.map((k) => this.#o.models.get(k))].map((m) => m?.spec.placement?.nodeSelector ?? {});
    const [first = {}, ...rest] = selectors;
    return Object.fromEntries(Object.entries(first).filter(([label, value]) => rest.every((s) => s[label] === value)));
  }

  /**
   * What the server tolerates: every taint of the class's nodes, which the models placed there
   * tolerate (the planner places none on a node whose taints keep its pods off). From the nodes,
   * not from a model, so every model of the class applies the same server.
   */
  #tolerations(nodes: readonly string[]): V1Toleration[] {
    const seen = new Map<string, V1Toleration>();
    for (const name of nodes)
      for (const t of this.#o.nodes.get(name)?.spec?.taints ?? [])
        seen.set(`${t.key}:${t.effect}`, { key: t.key, operator: "Exists", ...(t.effect ? { effect: t.effect } : {}) });
    return [...seen.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, t]) => t);
  }

  async #apply(key: ServerKey, runtime: EdgeRuntime, desired: ReturnType<typeof desiredServer>): Promise<void> {
    const hash = specHash(desired.daemonSet);
    const name = serverName(key);
    const cached = this.#o.daemonSets.get(`${key.namespace}/${name}`);
    if (cached?.metadata.annotations?.[SPEC_HASH_ANNOTATION] === hash) return;
    // The Secret first: the server's container reads its key from it.
    await this.#createSecret(key, runtime);
    const daemonSet = { ...desired.daemonSet, metadata: { ...desired.daemonSet.metadata, annotations: { [SPEC_HASH_ANNOTATION]: hash } } };
    await this.#o.client.apply(RESOURCES.daemonSets, daemonSet, this.#o.fieldManager);
    await this.#o.client.apply(RESOURCES.services, desired.service, this.#o.fieldManager);
    await this.#o.client.apply(RESOURCES.networkPolicies, desired.networkPolicy, this.#o.fieldManager);
  }

  /** Creates the server's Secret with a new key, unless it exists: models loaded with the old key keep working. */
  async #createSecret(key: ServerKey, runtime: EdgeRuntime): Promise<void> {
    const secret = loadKeySecret(key, runtime, randomBytes(32).toString("base64url"));
    await createChild(this.#o.client, RESOURCES.secrets, key.namespace, secret, this.#o.fieldManager);
  }
}
