import type { EdgeModel, EdgeModelSpec } from "@edgefleet/api";
import type { PublishedArtifact } from "./registry.js";

export interface SampleModelOptions {
  readonly namespace: string;
  readonly name: string;
  readonly version: string;
  readonly artifact: PublishedArtifact;
  readonly rollout?: EdgeModelSpec["rollout"];
  readonly slo?: EdgeModelSpec["slo"];
  readonly placement?: EdgeModelSpec["placement"];
}

/**
 * The local platform's sample model: one build per accelerator kind, best first. The simulator
 * serves every build with the CPU runtime, so they all point at the same ONNX file; on devices
 * each would be its own TensorRT engine, OpenVINO IR or Edge TPU file.
 */
export function sampleModel(options: SampleModelOptions): EdgeModel {
  const { artifact } = options;
  const variant = (
    name: string,
    format: "onnx" | "tensorrt" | "openvino" | "tflite",
    precision: "fp32" | "fp16" | "int8",
    accelerators: string[],
  ) => ({
    name,
    format,
    precision,
    artifact,
    requirements: { accelerators },
  });
  return {
    apiVersion: "edgefleet.io/v1alpha1",
    kind: "EdgeModel",
    metadata: { name: options.name, namespace: options.namespace },
    spec: {
      version: options.version,
      variants: [
        variant("trt-fp16", "tensorrt", "fp16", ["nvidia-gpu"]),
        variant("ov-int8", "openvino", "int8", ["intel-npu", "intel-gpu"]),
        variant("tflite-int8", "tflite", "int8", ["edgetpu"]),
        variant("onnx-fp32", "onnx", "fp32", ["cpu"]),
      ],
      ...(options.slo ? { slo: options.slo } : {}),
      ...(options.placement ? { placement: options.placement } : {}),
      ...(options.rollout ? { rollout: options.rollout } : {}),
    } as EdgeModelSpec,
  };
}
