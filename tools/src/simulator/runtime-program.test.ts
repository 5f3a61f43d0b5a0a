import { existsSync, readFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { WORKER_FILES as OPENVINO_WORKER_FILES } from "@edgefleet/openvino-runtime";
import { WORKER_FILES as TFLITE_WORKER_FILES } from "@edgefleet/tflite-runtime";
import { describe, expect, it } from "vitest";
import { programFor, runtimePrograms } from "./runtime-program.js";

const toolchain = { binDir: "/toolchain/bin", bin: (name: string) => `/toolchain/${name}` };

describe("simulated runtime programs", () => {
  it("bundles the CPU runtime, and the OpenVINO and TFLite runtimes with their workers beside them on the toolchain's venv-python", async () => {
    const programs = await runtimePrograms(toolchain);
    expect(programs.cpu.args).toEqual([]);
    for (const [program, files] of [
      [programs.openvino, OPENVINO_WORKER_FILES],
      [programs.tflite, TFLITE_WORKER_FILES],
    ] as const) {
      expect(program.args).toEqual(["--python", "/toolchain/venv-python"]);
      expect(files.map((f) => basename(f))).toContain("frame_worker.py");
      for (const file of files) expect(existsSync(join(dirname(program.path), basename(file)))).toBe(true);
      // A worker runtime's process does not load onnxruntime's native library.
      expect(readFileSync(program.path, "utf8")).not.toMatch(/from "onnxruntime-node"/);
    }
    expect(readFileSync(programs.cpu.path, "utf8")).toMatch(/from "onnxruntime-node"/);
  }, 60_000);

  it("serves the openvino and tflite EdgeRuntimes' variants with their runtimes, every other with the CPU runtime", () => {
    const programs = {
      cpu: { path: "cpu.mjs", args: [] },
      openvino: { path: "openvino.mjs", args: ["--python", "p"] },
      tflite: { path: "tflite.mjs", args: ["--python", "p"] },
      loader: { path: "loader.mjs", args: [] },
    };
    expect(programFor(programs, "openvino")).toBe(programs.openvino);
    expect(programFor(programs, "tflite")).toBe(programs.tflite);
    for (const runtime of ["onnx", "tensorrt"]) expect(programFor(programs, runtime)).toBe(programs.cpu);
  });
});
