/** The words the EdgeModel and EdgeRuntime APIs share, as values (for schemas and code) and types. */

export const FORMATS = ["onnx", "tensorrt", "tflite", "openvino"] as const;
export type ModelFormat = (typeof FORMATS)[number];

export const PRECISIONS = ["fp32", "fp16", "int8", "int4"] as const;
export type Precision = (typeof PRECISIONS)[number];

export const ACCELERATORS = ["nvidia-gpu", "intel-gpu", "intel-npu", "edgetpu", "cpu"] as const;
export type Accelerator = (typeof ACCELERATORS)[number];

export const ARCHITECTURES = ["amd64", "arm64"] as const;
export type Architecture = (typeof ARCHITECTURES)[number];

/**
 * Dedicated inference silicon first (NPU, Edge TPU: the most inferences per watt on a powered-down
 * edge box), then GPUs (fast but power-hungry; a discrete or Jetson GPU before an integrated one),
 * then the CPU, which every node has and so is the fallback of last resort.
 */
export const DEFAULT_ACCELERATOR_PREFERENCE: readonly Accelerator[] = ["intel-npu", "edgetpu", "nvidia-gpu", "intel-gpu", "cpu"];

/**
 * Where a model format can run at all, a fact of the formats themselves: a TensorRT engine is
 * compiled for NVIDIA GPUs, an OpenVINO IR for Intel devices, a TFLite model for the Edge TPU or a
 * CPU. The API rejects variants that claim otherwise, before any node is searched.
 */
export const FORMAT_ACCELERATORS: Readonly<Record<ModelFormat, readonly Accelerator[]>> = {
  onnx: ACCELERATORS,
  tensorrt: ["nvidia-gpu"],
  tflite: ["edgetpu", "cpu"],
  openvino: ["intel-npu", "intel-gpu", "cpu"],
};

/** The Edge TPU executes only fully int8-quantized TFLite models compiled for it. */
export const EDGETPU_FORMAT = { format: "tflite", precision: "int8" } as const satisfies { format: ModelFormat; precision: Precision };

export const INFERENCE_PROTOCOLS = ["open-inference-v2"] as const;
export type InferenceProtocol = (typeof INFERENCE_PROTOCOLS)[number];
