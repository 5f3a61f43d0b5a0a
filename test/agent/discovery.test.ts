import type { InferenceTarget } from "@edgefleet/edge-agent";
import { RuntimeDiscovery } from "@edgefleet/edge-agent";
import { silentLogger } from "@edgefleet/kit";
import { KubeClient, loadCredentials } from "@edgefleet/kube";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { eventually, freshNamespace, testCluster } from "../helpers/kube.js";

const { core } = testCluster();
let ns: string;
let client: KubeClient;
const NODE = "x86-cpu-0001";

beforeAll(async () => {
  ns = await freshNamespace(core, "discovery");
  client = new KubeClient({ credentials: await loadCredentials(inject("kubeconfig")) });
});

afterAll(async () => {
  client?.close();
  if (ns) await core.deleteNamespace({ name: ns });
});

const runtimePod = (name: string, node: string, managed = true) => ({
  metadata: {
    name,
    labels: managed ? { "app.kubernetes.io/managed-by": "edgefleet-operator" } : {},
    annotations: { "edgefleet.io/runtime": "onnx" },
  },
  spec: {
    nodeName: node,
    containers: [
      {
        name: "runtime",
        image: "ghcr.io/edgefleet/cpu-runtime:0.1.0",
        ports: [{ name: "http", containerPort: 8080 }],
        env: Object.entries({
          EDGEFLEET_MODEL: `${ns}/detector`,
          EDGEFLEET_MODEL_VERSION: "2.0",
          EDGEFLEET_VARIANT: "onnx-fp32",
          EDGEFLEET_ARTIFACT_URI: "https://registry.example/detector.onnx",
          EDGEFLEET_ARTIFACT_SHA256: "a".repeat(64),
          EDGEFLEET_ARTIFACT_SIZE_BYTES: "1024",
        }).map(([n, value]) => ({ name: n, value })),
      },
    ],
  },
});

describe("runtime discovery against the real API server", () => {
  it("finds the operator's runtime pods bound to its node, at the IP kwok gave them", async () => {
    await core.createNamespacedPod({ namespace: ns, body: runtimePod("mine", NODE) });
    await core.createNamespacedPod({ namespace: ns, body: runtimePod("elsewhere", "x86-cpu-0002") });
    await core.createNamespacedPod({ namespace: ns, body: runtimePod("unmanaged", NODE, false) });
    const ip = await eventually("the pod's IP", async () => (await core.readNamespacedPod({ name: "mine", namespace: ns })).status?.podIP);

    let seen: InferenceTarget[] = [];
    const discovery = new RuntimeDiscovery({ client, node: NODE, log: silentLogger, update: (t) => (seen = t) });
    await discovery.refresh();
    expect(seen.filter((t) => t.namespace === ns)).toEqual([
      {
        baseUrl: `http://${ip}:8080`,
        namespace: ns,
        model: "detector",
        version: "2.0",
        variant: "onnx-fp32",
        runtime: "onnx",
        runtimeMetrics: true,
      },
    ]);
  });
});
