// Server-side apply bodies go through the API server's YAML parser (packages/kube/src/apply-body.ts):
// it must store exactly the strings the body carried, characters YAML refuses raw and YAML 1.1
// lookalikes included, and a repeated apply must stay a no-op.
import { CONTENT_TYPES, KubeClient, loadCredentials, objectPath, type Resource } from "@edgefleet/kube";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { freshNamespace, testCluster } from "../helpers/kube.js";

const { core } = testCluster();
const CONFIG_MAPS: Resource = { name: "configmaps", group: "", version: "v1", plural: "configmaps", namespaced: true };
// What YAML 1.1 (the API server's parser) reads as booleans, numbers, null or timestamps unquoted,
// YAML indicators, and every character in the ranges a double-quoted YAML scalar refuses raw.
const LOOKALIKES = "yes No n TRUE Null on OFF y 0755 0x1F 1e3 1_000 null ~ 2026-01-01 #c &a *a !t %d {x} [x] 'q' \"q\"".split(" ");
const range = (from: number, to: number) => String.fromCharCode(...Array.from({ length: to - from + 1 }, (_, i) => from + i));
const VALUES = [
  ...LOOKALIKES,
  "",
  "a: b",
  "- x",
  "back\\slash",
  "line\nbreak\ttab",
  range(1, 31),
  range(0x7f, 0x9f),
  "\u2028\u2029\ufeff",
  "é 日本 🚀",
  " lead",
  "trail ",
];
const KEYS = ["yes", "on", "y", "null", "0755", "1e3", "true", "2026-01-01"];

let ns: string;
let client: KubeClient;

beforeAll(async () => {
  ns = await freshNamespace(core, "apply-body");
  client = new KubeClient({ credentials: await loadCredentials(inject("kubeconfig")) });
});

afterAll(async () => {
  client?.close();
  if (ns) await core.deleteNamespace({ name: ns });
});

describe("server-side apply bodies", () => {
  it("store exactly the strings sent, and a repeated apply changes nothing", async () => {
    const data = Object.fromEntries(VALUES.map((v, i) => [`v${i}`, v]));
    for (const k of KEYS) data[k] = k;
    const body = {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "tricky", namespace: ns, annotations: { "edgefleet.io/note": VALUES.join("|") } },
      data,
    };
    const apply = () =>
      client.request<{ data: Record<string, string>; metadata: { resourceVersion: string; annotations: Record<string, string> } }>({
        method: "PATCH",
        path: `${objectPath(CONFIG_MAPS, "tricky", ns)}?fieldManager=apply-body-test&force=true`,
        body,
        contentType: CONTENT_TYPES.apply,
      });
    const first = await apply();
    expect(first.data).toEqual(data);
    expect(first.metadata.annotations["edgefleet.io/note"]).toBe(VALUES.join("|"));
    const again = await apply();
    expect(again.metadata.resourceVersion).toBe(first.metadata.resourceVersion);
  });
});
