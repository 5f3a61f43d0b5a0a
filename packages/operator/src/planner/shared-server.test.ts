import { DEFAULT_RUNTIMES, type EdgeRuntime } from "@edgefleet/api";
import { describe, expect, it } from "vitest";
import { desiredServer, serverName } from "./shared-server.js";

const trt = DEFAULT_RUNTIMES.find((r) => r.metadata.name === "tensorrt") as EdgeRuntime;
const triton: EdgeRuntime = {
  ...trt,
  metadata: { name: "triton", uid: "uid-1" },
  spec: {
    ...trt.spec,
    serving: "Shared",
    args: ["--model-control-mode=explicit", "--http-restricted-api=model-repository:edgefleet-load-key=$(EDGEFLEET_LOAD_KEY)"],
    env: [{ name: "LOG", value: "1" }],
  },
};
const key = { namespace: "vision", runtime: "triton", hardwareClass: "jetson-orin", accelerator: "nvidia-gpu" } as const;

describe("a Shared runtime's server", () => {
  const { daemonSet, service, networkPolicy } = desiredServer({
    ...key,
    runtimeObject: triton,
    nodeSelector: { "edgefleet.io/hardware-class": "jetson-orin" },
    resources: { "nvidia.com/gpu": "1" },
    tolerations: [{ key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule" }],
  });

  it("is named for its runtime, class and accelerator, and owned by the runtime", () => {
    expect(serverName(key)).toBe("triton-jetson-orin-nvidia-gpu-server");
    expect(daemonSet.metadata?.ownerReferences).toEqual([
      { apiVersion: "edgefleet.io/v1alpha1", kind: "EdgeRuntime", name: "triton", uid: "uid-1" },
    ]);
  });

  it("runs the runtime's container holding the device, its load key first so $(EDGEFLEET_LOAD_KEY) expands in its args", () => {
    const pod = daemonSet.spec?.template.spec;
    const [container] = pod?.containers ?? [];
    expect(container?.args).toEqual(triton.spec.args);
    expect(container?.env?.map((e) => e.name)).toEqual(["EDGEFLEET_LOAD_KEY", "EDGEFLEET_ACCELERATOR", "LOG"]);
    expect(container?.resources).toEqual({ limits: { "nvidia.com/gpu": "1" } });
    expect(pod?.automountServiceAccountToken).toBe(false);
    expect(pod?.tolerations).toEqual([{ key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule" }]);
    expect(container?.readinessProbe?.httpGet).toEqual({ path: "/v2/health/ready", port: "http" });
  });

  it("keeps loads on the node and admits only its models' pods to its port", () => {
    expect(service.spec).toMatchObject({
      internalTrafficPolicy: "Local",
      ports: [{ name: "http", port: 8080, targetPort: 8080, protocol: "TCP" }],
    });
    expect(networkPolicy.spec.ingress).toEqual([
      {
        from: [{ podSelector: { matchLabels: { "edgefleet.io/model-server": "triton-jetson-orin-nvidia-gpu-server" } } }],
        ports: [{ protocol: "TCP", port: 8080 }],
      },
    ]);
  });
});
