import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { WORKER_FILES } from "@edgefleet/openvino-runtime";
import { describe, expect, it } from "vitest";
import { programFor, runtimePrograms } from "./runtime-program.js";

const toolchain = { binDir: "/toolchain/bin", bin: (name: string) => `/toolchain/${name}` };

describe("simulated runtime programs", () => {
  it("bundles the CPU runtime, and the OpenVINO runtime with its worker beside it on the toolchain's venv-python", async () => {
    const programs = await runtimePrograms(toolchain);
    expect(programs.cpu.args).toEqual([]);
    expect(programs.openvino.args).toEqual(["--python", "/toolchain/venv-python"]);
    for (const file of WORKER_FILES) expect(existsSync(join(dirname(programs.openvino.path), file))).toBe(true);
    // The OpenVINO runtime's process does not load onnxruntime's native library.
    expect(readFileSync(programs.openvino.path, "utf8")).not.toMatch(/from "onnxruntime-node"/);
    expect(readFileSync(programs.cpu.path, "utf8")).toMatch(/from "onnxruntime-node"/);
  }, 60_000);

  it("serves the openvino EdgeRuntime's variants with the OpenVINO runtime, every other with the CPU runtime", () => {
    const programs = { cpu: { path: "cpu.mjs", args: [] }, openvino: { path: "openvino.mjs", args: ["--python", "p"] } };
    expect(programFor(programs, "openvino")).toBe(programs.openvino);
    for (const runtime of ["onnx", "tensorrt", "tflite"]) expect(programFor(programs, runtime)).toBe(programs.cpu);
  });
});
