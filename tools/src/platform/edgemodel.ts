import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { EdgeModel, EdgeModelSpec } from "@edgefleet/api";
import { buildIrArtifact } from "@edgefleet/openvino-runtime";
import { buildTfliteTestModel } from "@edgefleet/tflite-runtime";
import { loadToolchain } from "../cluster/toolchain.js";
import type { PublishedArtifact } from "./registry.js";

export interface SampleModelOptions {
  readonly namespace: string;
  readonly name: string;
  readonly version: string;
  /** The ONNX build, which the ONNX and TensorRT variants point at. */
  readonly artifact: PublishedArtifact;
  /** The OpenVINO int8 IR build (openvinoInt8Build); without it the model has no OpenVINO variant. */
  readonly openvinoArtifact?: PublishedArtifact;
  /** The int8 .tflite build (tfliteInt8Build); without it the model has no TFLite variant. */
  readonly tfliteArtifact?: PublishedArtifact;
  readonly rollout?: EdgeModelSpec["rollout"];
  readonly slo?: EdgeModelSpec["slo"];
  readonly placement?: EdgeModelSpec["placement"];
}

/**
 * The local platform's sample model: one build per accelerator kind, best first. The OpenVINO
 * variant is a real int8 IR, which the simulator serves with the real OpenVINO runtime (on the
 * intel-nuc class); the TFLite variant a real int8 .tflite file, which it serves with LiteRT's
 * interpreter on the CPU (on the rpi5-coral class: the simulator has no Edge TPU, so no delegate).
 * The simulator has no GPU, so the TensorRT variant points at the ONNX file, which it serves with
 * the CPU runtime: on devices it would be its own TensorRT engine.
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
        ...(options.tfliteArtifact ? [variant("tflite-int8", "tflite", "int8", ["edgetpu"], options.tfliteArtifact)] : []),
        variant("onnx-fp32", "onnx", "fp32", ["cpu"]),
      ],
      ...(options.slo ? { slo: options.slo } : {}),
      ...(options.placement ? { placement: options.placement } : {}),
      ...(options.rollout ? { rollout: options.rollout } : {}),
    } as EdgeModelSpec,
  };
}

/** Runs build on the ONNX model written to a scratch directory; returns what it wrote. */
async function buildFromOnnx(
  onnx: Uint8Array,
  prefix: string,
  build: (onnxPath: string, out: string) => Promise<void>,
): Promise<Uint8Array> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  try {
    writeFileSync(join(dir, "model.onnx"), onnx);
    await build(join(dir, "model.onnx"), join(dir, "model.out"));
    return readFileSync(join(dir, "model.out"));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * An ONNX model converted and quantized to an int8 OpenVINO IR artifact by the real OpenVINO tools
 * (packages/openvino-runtime/src/build_ir.py on the toolchain's venv-python), for the sample
 * model's OpenVINO variant.
 */
export function openvinoInt8Build(onnx: Uint8Array, python = loadToolchain().bin("venv-python")): Promise<Uint8Array> {
  return buildFromOnnx(onnx, "edgefleet-openvino-build-", (model, out) => buildIrArtifact({ python, onnx: model, out, precision: "int8" }));
}

/**
 * One of the project's ONNX test models written as an int8 .tflite file (the TFLite runtime's
 * test-model writer, packages/tflite-runtime/src/build_tflite.py, quantized by LiteRT's own
 * quantizer on the toolchain's venv-python), for the sample model's TFLite variant.
 */
export function tfliteInt8Build(onnx: Uint8Array, python = loadToolchain().bin("venv-python")): Promise<Uint8Array> {
  return buildFromOnnx(onnx, "edgefleet-tflite-build-", (model, out) =>
    buildTfliteTestModel({ python, onnx: model, out, precision: "int8" }),
  );
}
