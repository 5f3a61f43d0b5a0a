import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { EdgeModel, EdgeModelSpec } from "@edgefleet/api";
import { buildIrArtifact } from "@edgefleet/openvino-runtime";
import { loadToolchain } from "../cluster/toolchain.js";
import type { PublishedArtifact } from "./registry.js";

export interface SampleModelOptions {
  readonly namespace: string;
  readonly name: string;
  readonly version: string;
  /** The ONNX build, which every variant but OpenVINO's points at. */
  readonly artifact: PublishedArtifact;
  /** The OpenVINO int8 IR build (openvinoInt8Build); without it the model has no OpenVINO variant. */
  readonly openvinoArtifact?: PublishedArtifact;
  readonly rollout?: EdgeModelSpec["rollout"];
  readonly slo?: EdgeModelSpec["slo"];
  readonly placement?: EdgeModelSpec["placement"];
}

/**
 * The local platform's sample model: one build per accelerator kind, best first. The OpenVINO
 * variant is a real int8 IR, which the simulator serves with the real OpenVINO runtime (on the
 * intel-nuc class); the simulator has no GPU or Edge TPU, so the TensorRT and TFLite variants point
 * at the ONNX file, which it serves with the CPU runtime: on devices each would be its own TensorRT
 * engine or Edge TPU file.
 */
export function sampleModel(options: SampleModelOptions): EdgeModel {
  const variant = (
    name: string,
    format: "onnx" | "tensorrt" | "openvino" | "tflite",
    precision: "fp32" | "fp16" | "int8",
    accelerators: string[],
    artifact = options.artifact,
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
        ...(options.openvinoArtifact ? [variant("ov-int8", "openvino", "int8", ["intel-npu", "intel-gpu"], options.openvinoArtifact)] : []),
        variant("tflite-int8", "tflite", "int8", ["edgetpu"]),
        variant("onnx-fp32", "onnx", "fp32", ["cpu"]),
      ],
      ...(options.slo ? { slo: options.slo } : {}),
      ...(options.placement ? { placement: options.placement } : {}),
      ...(options.rollout ? { rollout: options.rollout } : {}),
    } as EdgeModelSpec,
  };
}

/**
 * An ONNX model converted and quantized to an int8 OpenVINO IR artifact by the real OpenVINO tools
 * (packages/openvino-runtime/src/build_ir.py on the toolchain's venv-python), for the sample
 * model's OpenVINO variant.
 */
export async function openvinoInt8Build(onnx: Uint8Array, python = loadToolchain().bin("venv-python")): Promise<Uint8Array> {
  const dir = mkdtempSync(join(tmpdir(), "edgefleet-openvino-build-"));
  try {
    writeFileSync(join(dir, "model.onnx"), onnx);
    await buildIrArtifact({ python, onnx: join(dir, "model.onnx"), out: join(dir, "model.tar"), precision: "int8" });
    return readFileSync(join(dir, "model.tar"));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
