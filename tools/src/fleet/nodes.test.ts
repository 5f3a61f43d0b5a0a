import { describe, expect, it } from "vitest";
import { fleetNodes, KWOK_NODE_ANNOTATION, LABELS, nodeName } from "./nodes.js";
import { parseFleetProfile } from "./profile.js";

const profile = parseFleetProfile({
  kind: "FleetProfile",
  name: "p",
  sites: [
    { name: "a", region: "r", zone: "za" },
    { name: "b", region: "r", zone: "zb" },
  ],
  classes: [
    {
      name: "jetson",
      count: 3,
      arch: "arm64",
      instanceType: "orin",
      accelerator: "nvidia-gpu",
      labels: { "nvidia.com/gpu.present": "true" },
      capacity: { cpu: "12", memory: "64Gi", pods: "110", "nvidia.com/gpu": "1" },
      taints: [{ key: "nvidia.com/gpu", effect: "NoSchedule" }],
    },
    { name: "cpu", count: 1, arch: "amd64", instanceType: "pc", accelerator: "none", capacity: { cpu: "4", memory: "8Gi", pods: "110" } },
  ],
});

describe("fleetNodes", () => {
  const nodes = fleetNodes(profile);

  it("creates count nodes per class with stable, sortable names", () => {
    expect(nodes.map((n) => n.metadata.name)).toEqual(["jetson-0001", "jetson-0002", "jetson-0003", "cpu-0001"]);
    expect(nodeName("x", 999)).toBe("x-1000");
  });

  it("spreads a class round-robin over sites with topology labels", () => {
    expect(nodes.slice(0, 3).map((n) => n.metadata.labels[LABELS.site])).toEqual(["a", "b", "a"]);
    expect(nodes[1]?.metadata.labels["topology.kubernetes.io/zone"]).toBe("zb");
  });

  it("carries class labels, well-known labels, kwok's annotation, capacity and taints", () => {
    const n = nodes[0];
    expect(n?.metadata.labels).toMatchObject({
      "nvidia.com/gpu.present": "true",
      "kubernetes.io/arch": "arm64",
      "kubernetes.io/hostname": "jetson-0001",
      "node.kubernetes.io/instance-type": "orin",
      [LABELS.hardwareClass]: "jetson",
      [LABELS.accelerator]: "nvidia-gpu",
      [LABELS.profile]: "p",
    });
    expect(n?.metadata.annotations[KWOK_NODE_ANNOTATION]).toBe("fake");
    expect(n?.status.capacity["nvidia.com/gpu"]).toBe("1");
    expect(n?.status.allocatable).toEqual(n?.status.capacity);
    expect(n?.status.nodeInfo.architecture).toBe("arm64");
    expect(n?.spec.taints).toEqual([{ key: "nvidia.com/gpu", effect: "NoSchedule" }]);
    expect(nodes[3]?.spec).toEqual({});
  });
});
