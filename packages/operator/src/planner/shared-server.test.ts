import { DEFAULT_RUNTIMES, type EdgeRuntime, MODEL_REPOSITORY_DIR } from "@edgefleet/api";
import { describe, expect, it } from "vitest";
import { desiredServer, serverName } from "./shared-server.js";

// The catalog's TensorRT runtime: NVIDIA's Triton, one process per Jetson.
const trt = DEFAULT_RUNTIMES.find((r) => r.metadata.name === "tensorrt") as EdgeRuntime;
const triton: EdgeRuntime = {
  ...trt,
  metadata: { name: "tensorrt", uid: "uid-1" },
  spec: { ...trt.spec, env: [{ name: "LOG", value: "1" }] },
};
const key = { namespace: "vision", runtime: "tensorrt", hardwareClass: "jetson-orin", accelerator: "nvidia-gpu" } as const;

describe("a Shared runtime's server", () => {
  const { daemonSet, service, networkPolicy } = desiredServer({
    ...key,
    runtimeObject: triton,
    nodeSelector: { "edgefleet.io/hardware-class": "jetson-orin" },
    resources: { "nvidia.com/gpu": "1" },
    tolerations: [{ key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule" }],
  });

  it("is named for its runtime, class and accelerator, and owned by the runtime", () => {
    expect(serverName(key)).toBe("tensorrt-jetson-orin-nvidia-gpu-server");
    expect(daemonSet.metadata?.ownerReferences).toEqual([
      { apiVersion: "edgefleet.io/v1alpha1", kind: "EdgeRuntime", name: "tensorrt", uid: "uid-1" },
    ]);
  });

  it("runs the runtime's container holding the device, its load key first so $(EDGEFLEET_LOAD_KEY) expands in its args", () => {
    const pod = daemonSet.spec?.template.spec;
    const [container] = pod?.containers ?? [];
    expect(container?.command).toEqual(["tritonserver"]);
    expect(container?.args).toEqual([
      `--model-repository=${MODEL_REPOSITORY_DIR}`,
      "--model-control-mode=explicit",
      "--http-restricted-api=model-repository:edgefleet-load-key=$(EDGEFLEET_LOAD_KEY)",
      "--http-restricted-api=shared-memory,trace,logging:edgefleet-load-key=$(EDGEFLEET_LOAD_KEY)",
      "--grpc-restricted-protocol=model-repository,shared-memory,trace,logging:edgefleet-load-key=$(EDGEFLEET_LOAD_KEY)",
      "--strict-readiness=false",
      "--http-port=8080",
      "--grpc-port=8081",
      "--metrics-port=8002",
    ]);
    expect(container?.env?.map((e) => e.name)).toEqual(["EDGEFLEET_LOAD_KEY", "EDGEFLEET_ACCELERATOR", "LOG"]);
    expect(container?.resources).toEqual({ limits: { "nvidia.com/gpu": "1" } });
    expect(pod?.automountServiceAccountToken).toBe(false);
    expect(pod?.tolerations).toEqual([{ key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule" }]);
    expect(container?.readinessProbe?.httpGet).toEqual({ path: "/v2/health/ready", port: "http" });
  });

  it("mounts an empty model repository read-only: Triton requires one even when every model comes in its load request", () => {
    const pod = daemonSet.spec?.template.spec;
    const mount = pod?.containers[0]?.volumeMounts?.find((m) => m.mountPath === MODEL_REPOSITORY_DIR);
    expect(mount?.readOnly).toBe(true);
    expect(pod?.volumes?.find((v) => v.name === mount?.name)).toEqual({ name: mount?.name, emptyDir: {} });
  });

  it("keeps loads on the node and admits only its models' pods to its port", () => {
    expect(service.spec).toMatchObject({
      internalTrafficPolicy: "Local",
      ports: [{ name: "http", port: 8080, targetPort: 8080, protocol: "TCP" }],
    });
    expect(networkPolicy.spec.ingress).toEqual([
      {
        from: [{ podSelector: { matchLabels: { "edgefleet.io/model-server": "tensorrt-jetson-orin-nvidia-gpu-server" } } }],
        ports: [{ protocol: "TCP", port: 8080 }],
      },
    ]);
  });
});
