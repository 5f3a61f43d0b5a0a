import type { InferenceTarget } from "@edgefleet/edge-agent";
import { RuntimeDiscovery } from "@edgefleet/edge-agent";
import { silentLogger } from "@edgefleet/kit";
import { KubeClient, loadCredentials } from "@edgefleet/kube";
import type { V1DaemonSet, V1Pod } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { eventually, freshNamespace, testCluster } from "../helpers/kube.js";

const { core, apps } = testCluster();
let ns: string;
let decoyNs: string;
let client: KubeClient;
const NODE = "x86-cpu-0001";
const MANAGED = { "app.kubernetes.io/managed-by": "edgefleet-operator" };
const POD_LABELS = {
  ...MANAGED,
  "edgefleet.io/model": "detector",
  "edgefleet.io/model-version": "2.0",
  "edgefleet.io/variant": "onnx-fp32",
};

beforeAll(async () => {
  ns = await freshNamespace(core, "discovery");
  decoyNs = await freshNamespace(core, "decoy");
  client = new KubeClient({ credentials: await loadCredentials(inject("kubeconfig")) });
});

afterAll(async () => {
  client?.close();
  for (const name of [ns, decoyNs]) if (name) await core.deleteNamespace({ name });
});

/** The runtime container as the operator writes it; model is what EDGEFLEET_MODEL claims. */
const runtimeSpec = (model: string, node?: string): NonNullable<V1Pod["spec"]> => ({
  ...(node ? { nodeName: node } : {}),
  containers: [
    {
      name: "runtime",
      image: "ghcr.io/edgefleet/cpu-runtime:0.1.0",
      ports: [{ name: "http", containerPort: 8080 }],
      env: Object.entries({
        EDGEFLEET_MODEL: model,
        EDGEFLEET_MODEL_VERSION: "2.0",
        EDGEFLEET_VARIANT: "onnx-fp32",
        EDGEFLEET_ARTIFACT_URI: "https://registry.example/detector.onnx",
        EDGEFLEET_ARTIFACT_SHA256: "a".repeat(64),
        EDGEFLEET_ARTIFACT_SIZE_BYTES: "1024",
      }).map(([n, value]) => ({ name: n, value })),
    },
  ],
});

/** A DaemonSet pinned to NODE, labelled as the operator labels its own when operator is true. */
const daemonSet = (name: string, operator: boolean): V1DaemonSet => {
  const selector = { "edgefleet.io/model": "detector", "edgefleet.io/daemonset": name };
  return {
    metadata: { name, labels: operator ? { ...MANAGED, "edgefleet.io/model": "detector" } : { "edgefleet.io/model": "detector" } },
    spec: {
      selector: { matchLabels: selector },
      template: {
        metadata: { labels: { ...POD_LABELS, ...selector }, annotations: { "edgefleet.io/runtime": "onnx" } },
        spec: {
          ...runtimeSpec(`${ns}/detector`),
          affinity: {
            nodeAffinity: {
              requiredDuringSchedulingIgnoredDuringExecution: {
                nodeSelectorTerms: [{ matchFields: [{ key: "metadata.name", operator: "In", values: [NODE] }] }],
              },
            },
          },
        },
      },
    },
  };
};

const podOf = async (namespace: string, owner: string) =>
  eventually(`${owner}'s pod with an IP`, async () => {
    const pods = await core.listNamespacedPod({ namespace, labelSelector: `edgefleet.io/daemonset=${owner}` });
    return pods.items.find((p) => p.status?.podIP);
  });

describe("runtime discovery against the real API server", () => {
  it("measures only pods the operator's DaemonSet runs on its node, under their own namespace, never a decoy's claim", async () => {
    await apps.createNamespacedDaemonSet({ namespace: ns, body: daemonSet("detector-stable", true) });
    // Someone with DaemonSet rights but not the operator's labels: its pods are not the operator's.
    await apps.createNamespacedDaemonSet({ namespace: ns, body: daemonSet("impostor", false) });
    // Bare pods claiming the model through the operator's labels and a forged EDGEFLEET_MODEL env:
    // one in another namespace, one in the model's own; neither has the operator's DaemonSet as owner.
    for (const namespace of [decoyNs, ns])
      await core.createNamespacedPod({
        namespace,
        body: { metadata: { name: "decoy", labels: POD_LABELS }, spec: runtimeSpec(`${ns}/detector`, NODE) },
      });
    const real = await podOf(ns, "detector-stable");
    await podOf(ns, "impostor");

    let seen: InferenceTarget[] = [];
    const skipped: string[] = [];
    const discovery = new RuntimeDiscovery({
      client,
      node: NODE,
      log: silentLogger,
      update: (t) => (seen = t),
      skipped: (reason) => skipped.push(reason),
    });
    await discovery.refresh();
    expect(seen.filter((t) => t.namespace === ns || t.namespace === decoyNs)).toEqual([
      {
        baseUrl: `http://${real.status?.podIP}:8080`,
        namespace: ns,
        model: "detector",
        version: "2.0",
        variant: "onnx-fp32",
        runtime: "onnx",
        runtimeMetrics: true,
      },
    ]);
    // Other suites' pods on the node may be skipped too; these three always are.
    expect(skipped.filter((r) => r === "not-owned").length).toBeGreaterThanOrEqual(2);
    expect(skipped).toContain("owner-unverified");

    // The verdicts are kept per DaemonSet: a second refresh reads no DaemonSet and sees the same.
    await discovery.refresh();
    expect(seen.filter((t) => t.namespace === ns).map((t) => t.baseUrl)).toEqual([`http://${real.status?.podIP}:8080`]);
  });
});
