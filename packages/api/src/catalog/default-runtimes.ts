import { ARTIFACT_BLOBS_DIR } from "../artifact-cache.js";
import type { EdgeRuntime, EdgeRuntimeSpec } from "../edgeruntime.js";
import { API_VERSION } from "../group.js";
import { IMAGE_NAMES, imageReference } from "../images.js";
import { LABELS } from "../labels.js";
import { MODEL_REPOSITORY_DIR } from "../model-repository.js";
import { EXPLICIT_MODEL_CONTROL_ARGS, LOAD_KEY_SETTING } from "../shared-server.js";

/**
 * The EdgeRuntime catalog edgefleet ships: one runtime per model format family, together covering
 * every accelerator of the reference fleet. Clusters may add their own or disable these.
 */

type Serving = Pick<EdgeRuntimeSpec, "image" | "command" | "args" | "ports">;

/**
 * How many models one Jetson's Triton takes: a starting point, not a measurement (a site with larger
 * models or smaller modules applies its own EdgeRuntime). A Jetson's GPU shares the module's memory
 * with its CPU, and each model's pod requests its model's memory for the server, so the node's
 * memory bounds it as well.
 */
const TRITON_MODELS_PER_GPU = 4;

// Every catalog runtime speaks the Open Inference Protocol v2 over HTTP, on its port named http.
function runtime(name: string, spec: Omit<EdgeRuntimeSpec, keyof Serving | "protocol">, serving: Serving): EdgeRuntime {
  return {
    apiVersion: API_VERSION,
    kind: "EdgeRuntime",
    metadata: { name, labels: { [LABELS.partOf]: "edgefleet" } },
    spec: { ...serving, protocol: "open-inference-v2", ...spec },
  };
}

/**
 * edgefleet's own runtimes (packages/cpu-runtime/src/main.ts and the OpenVINO and TFLite runtimes on
 * its server, docs/runtime.md): OIP v2 over HTTP only, told what to serve by the operator's model
 * environment through Kubernetes' $(VAR) expansion. The Python-engined ones find their worker's
 * interpreter from their image's EDGEFLEET_VENV_PYTHON.
 */
const edgefleetRuntime = (image: string): Serving => ({
  image: imageReference(image),
  args: [
    "--model-name=$(EDGEFLEET_MODEL)",
    "--model-version=$(EDGEFLEET_MODEL_VERSION)",
    `--model-path=${ARTIFACT_BLOBS_DIR}/$(EDGEFLEET_ARTIFACT_SHA256)`,
    // The runtime loads the bytes it hashed: a blob changed after verify-artifact checked it is refused.
    "--model-sha256=$(EDGEFLEET_ARTIFACT_SHA256)",
    "--http-address=0.0.0.0:8080",
  ],
  ports: [{ name: "http", containerPort: 8080, protocol: "TCP" }],
});

export const DEFAULT_RUNTIMES: readonly EdgeRuntime[] = [
  runtime(
    "onnx",
    {
      // The onnxruntime-node version the CPU runtime ships.
      supportedFormats: [{ format: "onnx", precisions: ["fp32", "int8"], versions: ["1.30.0"] }],
      accelerators: [{ kind: "cpu" }],
      architectures: ["amd64", "arm64"],
      priority: 0,
    },
    edgefleetRuntime(IMAGE_NAMES.cpuRuntime),
  ),
  // TensorRT engines on NVIDIA Jetsons: NVIDIA's Triton Inference Server, one process per device
  // serving every model placed there (serving: Shared), each loaded by its pod's model loader
  // (docs/images.md, "TensorRT: NVIDIA Triton"). 24.08 is the release whose TensorRT is the version
  // below; its -igpu build is the Jetson one (arm64, JetPack 6). The simulated fleet serves its
  // variants with the CPU runtime under explicit model control, from ONNX artifacts.
  runtime(
    "tensorrt",
    {
      supportedFormats: [{ format: "tensorrt", precisions: ["fp16", "int8"], versions: ["10.3.0"] }],
      accelerators: [{ kind: "nvidia-gpu", resources: { "nvidia.com/gpu": 1 }, sharing: { maxModels: TRITON_MODELS_PER_GPU } }],
      architectures: ["arm64"],
      priority: 10,
      serving: "Shared",
    },
    {
      image: "nvcr.io/nvidia/tritonserver:24.08-py3-igpu",
      command: ["tritonserver"],
      args: [
        // Triton requires a repository even when every model comes in its load request: the
        // operator mounts an empty one in the server's pod.
        `--model-repository=${MODEL_REPOSITORY_DIR}`,
        ...EXPLICIT_MODEL_CONTROL_ARGS,
        // What else changes the server for every model on it is the key's too, and gRPC's model
        // repository as HTTP's: where NetworkPolicies are not enforced, the key is the only fence.
        `--http-restricted-api=shared-memory,trace,logging:${LOAD_KEY_SETTING}`,
        `--grpc-restricted-protocol=model-repository,shared-memory,trace,logging:${LOAD_KEY_SETTING}`,
        // One model that fails to load must not take the node's server (every model on the device)
        // out of its Service: readiness says the server answers; each model's pod is ready once its own model is.
        "--strict-readiness=false",
        "--http-port=8080",
        "--grpc-port=8081",
        "--metrics-port=8002",
      ],
      ports: [
        { name: "http", containerPort: 8080, protocol: "TCP" },
        { name: "grpc", containerPort: 8081, protocol: "TCP" },
        { name: "metrics", containerPort: 8002, protocol: "TCP" },
      ],
    },
  ),
  // edgefleet's TFLite runtime (packages/tflite-runtime: LiteRT's interpreter on the CPU, no Edge
  // TPU delegate yet; fp32 and int8 .tflite tested); the version is LiteRT's (PyPI ai-edge-litert),
  // the runtime library its image ships.
  runtime(
    "tflite",
    {
      supportedFormats: [{ format: "tflite", precisions: ["fp32", "int8"], versions: ["2.3.0"] }],
      accelerators: [{ kind: "edgetpu", resources: { "coral.ai/tpu": 1 } }, { kind: "cpu" }],
      architectures: ["arm64", "amd64"],
      priority: 0,
    },
    edgefleetRuntime(IMAGE_NAMES.tfliteRuntime),
  ),
  // OpenVINO IR, as one artifact: an uncompressed tar of model.xml and model.bin (docs/runtime.md),
  // served by edgefleet's OpenVINO runtime (packages/openvino-runtime: the real OpenVINO runtime,
  // the version below, on the CPU; fp32 and int8 IR tested).
  runtime(
    "openvino",
    {
      supportedFormats: [{ format: "openvino", precisions: ["fp32", "fp16", "int8"], versions: ["2026.4.1"] }],
      accelerators: [
        { kind: "intel-npu", resources: { "npu.intel.com/accel": 1 } },
        { kind: "intel-gpu", resources: { "gpu.intel.com/i915": 1 } },
        { kind: "cpu" },
      ],
      architectures: ["amd64"],
      priority: 0,
    },
    edgefleetRuntime(IMAGE_NAMES.openvinoRuntime),
  ),
];
