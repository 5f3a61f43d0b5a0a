import type { EdgeRuntime, EdgeRuntimeSpec } from "../api/edgeruntime.js";
import { API_VERSION } from "../api/group.js";
import { LABELS } from "../api/labels.js";

/**
 * The EdgeRuntime catalog edgefleet ships: one runtime per model format family, together covering
 * every accelerator of the reference fleet. Clusters may add their own or disable these.
 */

const IMAGE_TAG = "0.1.0";

// Open Inference Protocol v2 over HTTP and gRPC, on KServe's usual ports.
const SERVE: Pick<EdgeRuntimeSpec, "args" | "ports" | "protocol"> = {
  args: ["--http-port=8080", "--grpc-port=8081"],
  ports: [
    { name: "http", containerPort: 8080, protocol: "TCP" },
    { name: "grpc", containerPort: 8081, protocol: "TCP" },
  ],
  protocol: "open-inference-v2",
};

function runtime(name: string, spec: Omit<EdgeRuntimeSpec, keyof typeof SERVE | "image">): EdgeRuntime {
  return {
    apiVersion: API_VERSION,
    kind: "EdgeRuntime",
    metadata: { name, labels: { [LABELS.partOf]: "edgefleet" } },
    spec: { image: `ghcr.io/edgefleet/runtime-${name}:${IMAGE_TAG}`, ...SERVE, ...spec },
  };
}

export const DEFAULT_RUNTIMES: readonly EdgeRuntime[] = [
  runtime("onnx", {
    supportedFormats: [{ format: "onnx", precisions: ["fp32", "int8"], versions: ["1.20.1"] }],
    accelerators: [{ kind: "cpu" }],
    architectures: ["amd64", "arm64"],
    priority: 0,
  }),
  runtime("tensorrt", {
    supportedFormats: [{ format: "tensorrt", precisions: ["fp16", "int8"], versions: ["10.3.0"] }],
    accelerators: [{ kind: "nvidia-gpu", resources: { "nvidia.com/gpu": 1 } }],
    architectures: ["arm64", "amd64"],
    priority: 10,
  }),
  runtime("tflite", {
    supportedFormats: [{ format: "tflite", precisions: ["fp32", "int8"], versions: ["2.16.1"] }],
    accelerators: [{ kind: "edgetpu", resources: { "coral.ai/tpu": 1 } }, { kind: "cpu" }],
    architectures: ["arm64", "amd64"],
    priority: 0,
  }),
  runtime("openvino", {
    supportedFormats: [{ format: "openvino", precisions: ["fp16", "int8"], versions: ["2024.6.0"] }],
    accelerators: [
      { kind: "intel-npu", resources: { "npu.intel.com/accel": 1 } },
      { kind: "intel-gpu", resources: { "gpu.intel.com/i915": 1 } },
      { kind: "cpu" },
    ],
    architectures: ["amd64"],
    priority: 0,
  }),
];
