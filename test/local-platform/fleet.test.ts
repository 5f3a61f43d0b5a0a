import { LABELS } from "@edgefleet/tools";
import type { V1Deployment, V1Node } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, freshNamespace, testCluster } from "../helpers/kube.js";

const { core, apps } = testCluster();

describe("the local cluster's edge fleet", () => {
  it("has the default profile's nodes, Ready, with labels and capacity per hardware class", async () => {
    const nodes = (await core.listNode({ labelSelector: `${LABELS.profile}=default` })).items;
    const byClass: Record<string, V1Node[]> = {};
    for (const n of nodes) {
      const cls = n.metadata?.labels?.[LABELS.hardwareClass] ?? "";
      byClass[cls] = [...(byClass[cls] ?? []), n];
    }
    expect(Object.keys(byClass).sort()).toEqual(["intel-nuc", "jetson-orin", "rpi5-coral", "x86-cpu"]);
    expect(nodes).toHaveLength(20);
    for (const n of nodes) {
      expect(n.status?.conditions?.find((c) => c.type === "Ready")?.status, n.metadata?.name).toBe("True");
    }

    const jetson = byClass["jetson-orin"]?.[0];
    expect(jetson?.metadata?.labels).toMatchObject({
      "kubernetes.io/arch": "arm64",
      "nvidia.com/gpu.present": "true",
      "nvidia.com/gpu.compute.major": "8",
      [LABELS.accelerator]: "nvidia-gpu",
    });
    expect(jetson?.status?.allocatable?.["nvidia.com/gpu"]).toBe("1");
    expect(jetson?.status?.nodeInfo?.architecture).toBe("arm64");

    const nuc = byClass["intel-nuc"]?.[0];
    expect(nuc?.metadata?.labels?.["kubernetes.io/arch"]).toBe("amd64");
    expect(nuc?.status?.capacity).toMatchObject({ "gpu.intel.com/i915": "1", "npu.intel.com/accel": "1", cpu: "22", memory: "32Gi" });

    const pi = byClass["rpi5-coral"]?.[0];
    expect(pi?.metadata?.labels?.["feature.node.kubernetes.io/usb-ff_18d1_9302.present"]).toBe("true");
    expect(pi?.status?.capacity?.["coral.ai/tpu"]).toBe("1");

    const sites = new Set(nodes.map((n) => n.metadata?.labels?.[LABELS.site]));
    expect([...sites].sort()).toEqual(["factory-a", "factory-b"]);
  });
});

describe("scheduling onto the fleet", () => {
  let ns: string;
  beforeAll(async () => {
    ns = await freshNamespace(core, "sched");
  });
  afterAll(async () => {
    await core.deleteNamespace({ name: ns });
  });

  const deployment = (name: string, nodeSelector: Record<string, string>, limits: Record<string, string>): V1Deployment => ({
    metadata: { name },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { nodeSelector, containers: [{ name: "infer", image: "edgefleet/runtime-onnx:test", resources: { limits } }] },
      },
    },
  });

  it("places a Deployment requesting nvidia.com/gpu with a Jetson selector on a Jetson node, and it becomes Available", async () => {
    await apps.createNamespacedDeployment({
      namespace: ns,
      body: deployment("gpu-infer", { [LABELS.hardwareClass]: "jetson-orin" }, { "nvidia.com/gpu": "1" }),
    });
    const available = await eventually("gpu-infer Available", async () => {
      const d = await apps.readNamespacedDeployment({ name: "gpu-infer", namespace: ns });
      return d.status?.conditions?.find((c) => c.type === "Available" && c.status === "True") ? d : undefined;
    });
    expect(available.status?.availableReplicas).toBe(1);
    const [pod] = (await core.listNamespacedPod({ namespace: ns, labelSelector: "app=gpu-infer" })).items;
    const node = await core.readNode({ name: pod?.spec?.nodeName ?? "" });
    expect(node.metadata?.labels?.[LABELS.hardwareClass]).toBe("jetson-orin");
    expect(pod?.status?.phase).toBe("Running");
  });

  it("leaves a Deployment with an impossible selector Pending, with the scheduler's reason", async () => {
    await apps.createNamespacedDeployment({
      namespace: ns,
      // Raspberry Pis have no NVIDIA GPU: no node satisfies both.
      body: deployment("impossible", { [LABELS.hardwareClass]: "rpi5-coral" }, { "nvidia.com/gpu": "1" }),
    });
    const pod = await eventually("impossible pod marked Unschedulable", async () => {
      const [p] = (await core.listNamespacedPod({ namespace: ns, labelSelector: "app=impossible" })).items;
      return p?.status?.conditions?.find((c) => c.type === "PodScheduled" && c.reason === "Unschedulable") ? p : undefined;
    });
    expect(pod.status?.phase).toBe("Pending");
    expect(pod.spec?.nodeName).toBeUndefined();
    const cond = pod.status?.conditions?.find((c) => c.type === "PodScheduled");
    expect(cond?.message).toMatch(/node\(s\) didn't match Pod's node affinity\/selector|Insufficient nvidia.com\/gpu/);
  });
});
