import type { EdgeModel, EdgeModelSpec, ModelVariant } from "../edgemodel.js";
import type { Accelerator, ModelFormat, Precision } from "../vocabulary.js";

/** EdgeModels for tests: a vision model with one variant per accelerator family, and builders. */

export const SHA256 = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

export function variant(
  name: string,
  format: ModelFormat,
  precision: Precision,
  accelerators: Accelerator[],
  requirements: Omit<ModelVariant["requirements"], "accelerators"> = {},
): ModelVariant {
  return {
    name,
    format,
    precision,
    artifact: { uri: `oci://ghcr.io/acme/models/detector:${name}`, sha256: SHA256, sizeBytes: 12_345_678 },
    requirements: { accelerators, ...requirements },
  };
}

/** NPU/iGPU via OpenVINO, Jetson via TensorRT, Coral via TFLite, and ONNX on any CPU. */
export const VISION_VARIANTS: ModelVariant[] = [
  variant("ov-int8", "openvino", "int8", ["intel-npu", "intel-gpu"]),
  variant("trt-fp16", "tensorrt", "fp16", ["nvidia-gpu"], { architectures: ["arm64"], minComputeCapability: "8.7" }),
  variant("tflite-int8", "tflite", "int8", ["edgetpu"]),
  variant("onnx-fp32", "onnx", "fp32", ["cpu"]),
];

export function edgeModel(spec: Partial<EdgeModelSpec> = {}, name = "detector"): EdgeModel {
  return {
    apiVersion: "edgefleet.io/v1alpha1",
    kind: "EdgeModel",
    metadata: { name, namespace: "vision", uid: "0b3c8a52-6a7e-4f0e-9a55-3f1d2c4b5a69", generation: 1 },
    spec: { version: "2024.06.1", variants: VISION_VARIANTS, ...spec },
  };
}
