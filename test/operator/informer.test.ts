import * as net from "node:net";
import { silentLogger } from "@edgefleet/kit";
import type { KubeObject, Resource } from "@edgefleet/kube";
import {
  type Credentials,
  Informer,
  type InformerMetrics,
  type InformerOptions,
  KubeClient,
  loadCredentials,
  RESOURCES,
} from "@edgefleet/kube";
import { PatchStrategy, setHeaderOptions } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { eventually, freshNamespace, testCluster } from "../helpers/kube.js";

const { core } = testCluster();
const CONFIG_MAPS: Resource = { name: "configmaps", group: "", version: "v1", plural: "configmaps", namespaced: true };

/**
 * A TCP relay to the real API server that can go silent: connections open before freeze() stay
 * open but pass no more bytes, as behind a dead NAT entry or a hung proxy; new ones work.
 */
class FreezableRelay {
  readonly #server: net.Server;
  readonly #open = new Set<{ a: net.Socket; b: net.Socket }>();

  constructor(target: URL) {
    this.#server = net.createServer((a) => {
      const b = net.connect(Number(target.port), target.hostname);
      const pair = { a, b };
      this.#open.add(pair);
      a.pipe(b);
      b.pipe(a);
      const close = () => {
        a.destroy();
        b.destroy();
        this.#open.delete(pair);
      };
      a.on("error", close).on("close", close);
      b.on("error", close).on("close", close);
    });
  }

  listen(): Promise<number> {
    return new Promise((resolve) => this.#server.listen(0, "127.0.0.1", () => resolve((this.#server.address() as net.AddressInfo).port)));
  }

  freeze(): void {
    for (const { a, b } of this.#open) {
      a.unpipe(b);
      b.unpipe(a);
      a.pause();
      b.pause();
    }
    this.#open.clear();
  }

  close(): void {
    this.#server.close();
  }
}

function recordingMetrics(): InformerMetrics & { restarts: string[] } {
  const restarts: string[] = [];
  return { restarts, restarted: (_, reason) => void restarts.push(reason), event() {}, objects() {} };
}

let ns: string;
let credentials: Credentials;

/** An informer of the test's namespace through a client of its own, synced. */
async function syncedInformer(
  o: Pick<InformerOptions<KubeObject>, "resource" | "fieldSelector" | "index">,
): Promise<{ client: KubeClient; informer: Informer<KubeObject> }> {
  const client = new KubeClient({ credentials });
  const informer = new Informer<KubeObject>({
    client,
    namespace: ns,
    ...o,
    transform: (obj) => obj,
    handlers: {},
    log: silentLogger,
    metrics: recordingMetrics(),
  });
  informer.start();
  await informer.synced();
  return { client, informer };
}

beforeAll(async () => {
  ns = await freshNamespace(core, "op-informer");
  credentials = await loadCredentials(inject("kubeconfig"));
});

afterAll(async () => {
  if (ns) await core.deleteNamespace({ name: ns });
});

describe("the supervised informer", () => {
  it("restarts a watch that went silent and catches up on what it missed", async () => {
    const relay = new FreezableRelay(credentials.server);
    const port = await relay.listen();
    const viaRelay: Credentials = { ...credentials, server: new URL(`https://127.0.0.1:${port}`) };
    const client = new KubeClient({ credentials: viaRelay });
    const metrics = recordingMetrics();
    const informer = new Informer<KubeObject>({
      client,
      resource: CONFIG_MAPS,
      namespace: ns,
      transform: (o) => o,
      handlers: {},
      log: silentLogger,
      metrics,
      watchTimeoutSeconds: 3,
      stallGraceMs: 500,
    });
    informer.start();
    await informer.synced();
    // The watch that follows the list streams (a change reached the cache through it), then is cut
    // off mid-stream. A fixed wait instead let a loaded CI machine freeze before the watch connected.
    await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: "before-silent" } } });
    await eventually("the watch delivering", async () => (informer.get(`${ns}/before-silent`) ? true : undefined), 20_000);
    relay.freeze();
    await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: "while-silent" } } });
    await eventually("the missed ConfigMap in the cache", async () => (informer.get(`${ns}/while-silent`) ? true : undefined), 20_000);
    expect(metrics.restarts).toContain("stall");
    await informer.stop();
    client.close();
    relay.close();
  });

  it("holds only the objects its field selector matches, dropping one that stops matching", async () => {
    const { client, informer } = await syncedInformer({ resource: RESOURCES.pods, fieldSelector: "status.phase=Pending" });
    const [node] = (await core.listNode({ labelSelector: "edgefleet.io/fleet-profile=default" })).items;
    const pod = (name: string, nodeName: string) => ({
      metadata: { name },
      spec: { nodeName, containers: [{ name: "c", image: "example.com/idle:1" }] },
    });
    // Bound to a node no kubelet serves, a pod stays Pending; one on a kwok node runs.
    await core.createNamespacedPod({ namespace: ns, body: pod("stays-pending", "no-such-node") });
    await core.createNamespacedPod({ namespace: ns, body: pod("runs", node?.metadata?.name ?? "") });
    await eventually(
      "the running pod out of the cache, the pending one in it",
      async () => {
        const running = (await core.readNamespacedPod({ namespace: ns, name: "runs" })).status?.phase === "Running";
        return running && informer.get(`${ns}/stays-pending`) && !informer.get(`${ns}/runs`) ? true : undefined;
      },
      30_000,
    );
    await informer.stop();
    client.close();
  });

  it("looks objects up by each of their index keys, following label changes and deletions", async () => {
    const { client, informer } = await syncedInformer({
      resource: CONFIG_MAPS,
      // Two keys an object may have, or none: its team and its site.
      index: (o) => [o.metadata.labels?.team, o.metadata.labels?.site && `site:${o.metadata.labels.site}`],
    });
    const names = (key: string) =>
      informer
        .byIndex(key)
        .map((o) => o.metadata.name ?? "")
        .sort();
    const labelled = (name: string, labels: Record<string, string>) => ({ metadata: { name, labels } });
    await core.createNamespacedConfigMap({ namespace: ns, body: labelled("idx-a", { team: "vision", site: "lab" }) });
    await core.createNamespacedConfigMap({ namespace: ns, body: labelled("idx-b", { team: "vision" }) });
    await eventually("both indexed", async () => (names("vision").length === 2 ? true : undefined), 20_000);
    expect(names("site:lab")).toEqual(["idx-a"]);
    await core.patchNamespacedConfigMap(
      { namespace: ns, name: "idx-b", body: { metadata: { labels: { site: "lab" } } } },
      setHeaderOptions("Content-Type", PatchStrategy.MergePatch),
    );
    await eventually("b under its new key", async () => (names("site:lab").length === 2 ? true : undefined), 20_000);
    await core.deleteNamespacedConfigMap({ namespace: ns, name: "idx-a" });
    await eventually("a gone from both keys", async () => (names("vision").join() === "idx-b" ? true : undefined), 20_000);
    expect(names("site:lab")).toEqual(["idx-b"]);
    await informer.stop();
    client.close();
  });

  it("restarts with backoff on errors, and stops cleanly", async () => {
    const client = new KubeClient({ credentials });
    const metrics = recordingMetrics();
    const informer = new Informer<KubeObject>({
      client,
      resource: CONFIG_MAPS,
      namespace: ns,
      labelSelector: "not a selector!",
      transform: (o) => o,
      handlers: {},
      log: silentLogger,
      metrics,
    });
    informer.start();
    await eventually("two restarts", async () => (metrics.restarts.length >= 2 ? true : undefined), 10_000);
    expect(new Set(metrics.restarts)).toEqual(new Set(["error"]));
    expect(informer.hasSynced).toBe(false);
    await informer.stop();
    client.close();
  });
});
