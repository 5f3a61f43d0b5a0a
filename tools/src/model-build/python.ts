import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { PYTHON_PATH } from "@edgefleet/openvino-runtime";
import { PYTHON_FLAG } from "@edgefleet/python-worker";
import { ReportedFailure } from "../subcommands.js";
import type { Target } from "./result.js";

/** Beside this file in the repository, beside the bundle in the model-build image. */
const BUILD_PY = fileURLToPath(new URL("build.py", import.meta.url));

/**
 * The Python with the build tools: the image's venv ($EDGEFLEET_VENV_PYTHON, as the Python runtimes
 * find theirs), else the toolchain's venv (tools/edgefleet setup). Imported on use: the toolchain's
 * paths exist only in a checkout.
 */
async function interpreter(): Promise<string> {
  const fromImage = process.env[PYTHON_FLAG.env];
  if (fromImage) return fromImage;
  const { loadToolchain } = await import("../cluster/toolchain.js");
  return loadToolchain().bin("venv-python");
}

/**
 * Runs build.py with args; its progress goes to our stderr, its stdout (one JSON answer) is returned.
 * A failure is a ReportedFailure: build.py said why on that stderr, last.
 */
export async function buildPy(args: string[]): Promise<string> {
  const child = spawn(await interpreter(), [BUILD_PY, ...args], {
    stdio: ["ignore", "pipe", "inherit"],
    // The FP16 converter warns once per weight it rounds; the accuracy it measures says what matters.
    // The OpenVINO builds write and compile IR with the OpenVINO runtime's own modules.
    // TensorFlow's C++ logging (lines per graph pass) stays below warnings.
    env: { ...process.env, PYTHONWARNINGS: "ignore::UserWarning", PYTHONPATH: PYTHON_PATH, TF_CPP_MIN_LOG_LEVEL: "2" },
  });
  let out = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
    out += chunk;
  });
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code, signal) => {
      if (code === 0) resolve(out);
      // Killed (out of memory, most often), it said nothing: that is the reason to print.
      else if (signal) reject(new Error(`build.py ${args[0]} was killed by ${signal} (out of memory? see the kernel log)`));
      else reject(new ReportedFailure(`build.py ${args[0]} exited with ${code}`));
    });
  });
}

/**
 * Throws, naming the targets and the Python packages, when this Python cannot build some targets:
 * the model-build image leaves TensorFlow, onnx2tf and LiteRT out (about 3 GB), so its tflite
 * targets fail here in a second rather than after the inputs are fetched and the others built.
 */
export async function checkTools(targets: readonly Target[]): Promise<void> {
  const missing = JSON.parse(await buildPy(["tools", "--targets", targets.join(",")])) as Record<string, string[]>;
  const lacking = Object.entries(missing);
  if (lacking.length === 0) return;
  const packages = [...new Set(lacking.flatMap(([, p]) => p))].join(", ");
  throw new Error(
    `${lacking.map(([t]) => t).join(", ")}: this Python has no ${packages}: the model-build image leaves out TensorFlow, onnx2tf and LiteRT (about 3 GB); build these targets with tools/edgefleet model build where tools/edgefleet setup installed them, or give the operator a --build-image that has them (docs/model-builds.md)`,
  );
}
