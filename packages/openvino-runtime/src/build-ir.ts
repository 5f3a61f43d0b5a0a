import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const BUILD_IR = fileURLToPath(new URL("./build_ir.py", import.meta.url));

export type IrPrecision = "fp32" | "int8";

/**
 * Converts an ONNX model into an OpenVINO IR artifact with the real tools (build_ir.py:
 * openvino.convert_model, and NNCF's post-training quantization for int8), run on python, the
 * toolchain's venv-python.
 */
export async function buildIrArtifact(options: { python: string; onnx: string; out: string; precision: IrPrecision }): Promise<void> {
  await promisify(execFile)(options.python, [BUILD_IR, "--onnx", options.onnx, "--out", options.out, "--precision", options.precision], {
    maxBuffer: 16 * 1024 * 1024,
  });
}
