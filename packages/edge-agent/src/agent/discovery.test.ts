import type { V1Pod } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { runtimePodsPath, targetsFromPods } from "./discovery.js";

const pod = (name: string, node: string, ip: string | undefined, runtime = "onnx"): V1Pod => ({
  metadata: {
    name,
    namespace: "vision",
    labels: { "app.kubernetes.io/managed-by": "edgefleet-operator" },
    annotations: { "edgefleet.io/runtime": runtime },
  },
  spec: {
    nodeName: node,
    containers: [
      {
        name: "runtime",
        ports: [{ name: "http", containerPort: 8080 }],
        env: Object.entries({
          EDGEFLEET_MODEL: "vision/detector",
          EDGEFLEET_MODEL_VERSION: "2.0",
          EDGEFLEET_VARIANT: runtime === "onnx" ? "onnx-fp32" : "trt-fp16",
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
  it("probes this node's runtime pods at their IP and http port, once they have an IP", () => {
    const pods = [
      pod("a", "orin-1", "10.42.0.7"),
      pod("b", "orin-1", undefined),
      pod("c", "orin-2", "10.42.1.3"),
      pod("d", "orin-1", "10.42.0.9", "tensorrt"),
    ];
    expect(targetsFromPods("orin-1", pods)).toEqual([
      {
        baseUrl: "http://10.42.0.7:8080",
        namespace: "vision",
        model: "detector",
        version: "2.0",
        variant: "onnx-fp32",
        runtime: "onnx",
        runtimeMetrics: true,
      },
      {
        baseUrl: "http://10.42.0.9:8080",
        namespace: "vision",
        model: "detector",
        version: "2.0",
        variant: "trt-fp16",
        runtime: "tensorrt",
        runtimeMetrics: false,
      },
    ]);
  });

  it("asks the API server for this node's edgefleet pods only", () => {
    expect(decodeURIComponent(runtimePodsPath("orin-1"))).toBe(
      "/api/v1/pods?fieldSelector=spec.nodeName=orin-1&labelSelector=app.kubernetes.io/managed-by=edgefleet-operator",
    );
  });
});
