import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const BUILD_TFLITE = fileURLToPath(new URL("./build_tflite.py", import.meta.url));

export type TflitePrecision = "fp32" | "int8";

/**
 * Writes one of the project's ONNX test models as a .tflite file (build_tflite.py, a test-model
 * writer for their few operators, not a converter), int8 quantized by LiteRT's own calibrator and
 * quantizer, run on python, the toolchain's venv-python.
 */
export async function buildTfliteTestModel(options: {
  python: string;
  onnx: string;
  out: string;
  precision: TflitePrecision;
}): Promise<void> {
  await promisify(execFile)(
    options.python,
    [BUILD_TFLITE, "--onnx", options.onnx, "--out", options.out, "--precision", options.precision],
    {
      maxBuffer: 16 * 1024 * 1024,
    },
  );
}
