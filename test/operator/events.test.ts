import { type Logger, silentLogger } from "@edgefleet/kit";
import { collectionPath, KubeClient, loadCredentials, objectPath, RESOURCES, type Resource } from "@edgefleet/kube";
import { apiEventRecorder } from "@edgefleet/operator";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { eventually, freshNamespace, testCluster } from "../helpers/kube.js";

const { core } = testCluster();
const CONFIG_MAPS: Resource = { name: "configmaps", group: "", version: "v1", plural: "configmaps", namespaced: true };

let ns: string;
let client: KubeClient;

beforeAll(async () => {
  ns = await freshNamespace(core, "op-events");
  // One connection: every request reuses the socket of the one before, as a busy operator's do.
  client = new KubeClient({ credentials: await loadCredentials(inject("kubeconfig")), maxSockets: 1 });
});

afterAll(async () => {
  client?.close();
  if (ns) await core.deleteNamespace({ name: ns });
});

async function configMap(name: string): Promise<{ metadata: { name: string; namespace: string; uid: string } }> {
  return client.request({
    method: "POST",
    path: collectionPath(CONFIG_MAPS, ns),
    body: { apiVersion: "v1", kind: "ConfigMap", metadata: { name } },
  });
}

describe("requests on a kept-alive connection", () => {
  // A DELETE body once went out without a length: the API server read it as the start of the next
  // request on the connection and answered that one (the Event after a WorkloadRemoved) with a
  // plain-text "400 Bad Request", which the client then failed to parse as JSON.
  it("a DELETE with a body leaves the connection usable, and the Event after it is recorded", async () => {
    const cm = await configMap("deleted");
    await client.request({
      method: "DELETE",
      path: objectPath(CONFIG_MAPS, "deleted", ns),
      body: { propagationPolicy: "Background", preconditions: { uid: cm.metadata.uid } },
    });
    const warnings: unknown[] = [];
    const log: Logger = { ...silentLogger, warn: (msg, fields) => void warnings.push({ msg, ...fields }) };
    const events = apiEventRecorder({ client, controller: "edgefleet.io/test", instance: "events-test", log });
    const regarding = { apiVersion: "v1", kind: "ConfigMap", metadata: { ...cm.metadata, name: "deleted" } };
    events.record(regarding, { type: "Normal", reason: "WorkloadRemoved", note: "deleted DaemonSet x" });
    const recorded = await eventually("the Event", async () => {
      const list = await client.request<{ items: { reason?: string }[] }>({ method: "GET", path: collectionPath(RESOURCES.events, ns) });
      return list.items.find((e) => e.reason === "WorkloadRemoved") ?? (warnings.length ? warnings : undefined);
    });
    expect(warnings).toEqual([]);
    expect(recorded).toMatchObject({ reason: "WorkloadRemoved" });
  });

  it("an answer that is not JSON is a KubeError with the status and the text, not a SyntaxError", async () => {
    const err = await client.request({ method: "GET", path: "/no/such/path" }).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: "KubeError", status: 404 });
    expect(String(err)).toContain("404 page not found");
  });
});
