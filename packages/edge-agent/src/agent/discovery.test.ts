import type { V1DaemonSet, V1Pod } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import type { RuntimeWorkload } from "../inference/workloads.js";
import { nodeWorkloads, ownerVouches, runtimePodsPath } from "./discovery.js";

const pod = (name: string, node: string, ip: string | undefined, runtime = "onnx"): V1Pod => ({
  metadata: {
    name,
    namespace: "vision",
    labels: {
      "app.kubernetes.io/managed-by": "edgefleet-operator",
      "edgefleet.io/model": "detector",
      "edgefleet.io/model-version": "2.0",
      "edgefleet.io/variant": runtime === "onnx" ? "onnx-fp32" : "trt-fp16",
    },
    annotations: { "edgefleet.io/runtime": runtime },
    ownerReferences: [{ apiVersion: "apps/v1", kind: "DaemonSet", name: `detector-${runtime}`, uid: `uid-${runtime}`, controller: true }],
  },
  spec: {
    nodeName: node,
    containers: [
      {
        name: "runtime",
        ports: [{ name: "http", containerPort: 8080 }],
        env: Object.entries({
          EDGEFLEET_MODEL: "vision/detector",
          EDGEFLEET_ARTIFACT_URI: "https://registry.example/detector.onnx",
          EDGEFLEET_ARTIFACT_SHA256: "a".repeat(64),
          EDGEFLEET_ARTIFACT_SIZE_BYTES: "1024",
        }).map(([n, value]) => ({ name: n, value })),
      },
    ],
  },
  ...(ip ? { status: { podIP: ip } } : {}),
});

describe("runtime discovery", () => {
  it("reads this node's runtime pods, with their endpoints once they have an IP, and says which it skipped", () => {
    const orphan = pod("orphan", "orin-1", "10.42.0.8");
    orphan.metadata = { ...orphan.metadata, ownerReferences: [] };
    const pods = [pod("a", "orin-1", "10.42.0.7"), pod("b", "orin-1", undefined), pod("c", "orin-2", "10.42.1.3"), orphan];
    const { workloads, skipped } = nodeWorkloads("orin-1", pods);
    expect(workloads.map((w) => [w.key, w.endpoint])).toEqual([
      ["vision/a", { ip: "10.42.0.7", port: 8080 }],
      ["vision/b", undefined],
    ]);
    expect(skipped).toEqual([{ key: "vision/orphan", reason: "not-owned", problem: "runtime pod is not controlled by a DaemonSet" }]);
  });

  it("trusts a pod's DaemonSet only when it is the same object, the operator's, for the pod's model and namespace", () => {
    const [w] = nodeWorkloads("orin-1", [pod("a", "orin-1", "10.42.0.7")]).workloads as [RuntimeWorkload];
    const ds = (metadata: V1DaemonSet["metadata"]): V1DaemonSet => ({
      metadata: {
        name: "detector-onnx",
        namespace: "vision",
        uid: "uid-onnx",
        labels: { "app.kubernetes.io/managed-by": "edgefleet-operator", "edgefleet.io/model": "detector" },
        ...metadata,
      },
    });
    expect(ownerVouches(ds({}), w)).toBe(true);
    expect(ownerVouches(undefined, w)).toBe(false);
    expect(ownerVouches(ds({ uid: "recreated" }), w)).toBe(false);
    expect(ownerVouches(ds({ namespace: "payments" }), w)).toBe(false);
    expect(ownerVouches(ds({ labels: { "edgefleet.io/model": "detector" } }), w)).toBe(false);
    expect(ownerVouches(ds({ labels: { "app.kubernetes.io/managed-by": "edgefleet-operator", "edgefleet.io/model": "fraud" } }), w)).toBe(
      false,
    );
  });

  it("asks the API server for this node's edgefleet pods only", () => {
    expect(decodeURIComponent(runtimePodsPath("orin-1"))).toBe(
      "/api/v1/pods?fieldSelector=spec.nodeName=orin-1&labelSelector=app.kubernetes.io/managed-by=edgefleet-operator",
    );
  });
});
