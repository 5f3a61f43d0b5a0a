import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { useTempDirs } from "@edgefleet/kit";
import { type BuildResult, loadToolchain, type TargetResult } from "@edgefleet/tools";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, postJson } from "../runtime/oip.js";
import { startRuntime } from "../runtime/runtime-process.js";
import { MODEL_CLI, runScript } from "./model-cli.js";

/*
 * The real model build (tools/edgefleet model build) on the digits MLP its example command trains:
 * ONNX Runtime's quantizers, onnxconverter-common, OpenVINO and NNCF, onnx2tf and TensorFlow's TFLite
 * converter on the toolchain's Python tools venv, measured with ONNX Runtime, OpenVINO and LiteRT on
 * this CPU, and its accuracy gate.
 */

const tempDir = useTempDirs("model-build");
const python = loadToolchain().bin("venv-python");
let example: string;

const run = (args: string[]) => runScript(MODEL_CLI, args);
const build = (out: string, calibration: string, ...more: string[]) =>
  run([
    "build",
    "--model",
    join(example, "digits-mlp.onnx"),
    "--calibration",
    calibration,
    "--evaluation",
    join(example, "digits-evaluation.npz"),
    "--out",
    out,
    ...more,
  ]);
const dataFlags = () => ["--calibration", join(example, "digits-calibration.npz"), "--evaluation", join(example, "digits-evaluation.npz")];
const pythonOutput = (args: string[]) =>
  new Promise<string>((resolve, reject) =>
    execFile(python, args, { maxBuffer: 16 * 1024 * 1024 }, (err, stdout) => (err ? reject(err) : resolve(stdout))),
  );
/**
 * The accuracy on the evaluation digits of a build served by the runtime whose main is given: all 540
 * digits in one request (the model's batch dimension is open) to the model's first input, each
 * class the argmax of the first output's ten scores.
 */
async function servedAccuracy(main: string, file: string): Promise<{ output: string; accuracyPercent: number }> {
  const runtime = await startRuntime(
    ["--model-name=digits", "--model-version=1", `--model-path=${file}`, `--python=${python}`, "--intra-op-threads=1"],
    main,
  );
  try {
    const script =
      "import sys, json, numpy as np; d = np.load(sys.argv[1]); print(json.dumps([d['inputs'].tolist(), d['labels'].tolist()]))";
    const [inputs, labels] = JSON.parse(await pythonOutput(["-c", script, join(example, "digits-evaluation.npz")])) as [
      number[][],
      number[],
    ];
    const metadata = await call(`${runtime.url}/v2/models/digits`);
    const [input] = metadata.body.inputs as { name: string }[];
    const answer = await postJson(`${runtime.url}/v2/models/digits/infer`, {
      inputs: [{ name: input?.name, shape: [inputs.length, 64], datatype: "FP32", data: inputs.flat() }],
    });
    expect(answer.status).toBe(200);
    const [scores] = answer.body.outputs as { name: string; shape: number[]; data: number[] }[];
    expect(scores?.shape).toEqual([inputs.length, 10]);
    const data = scores?.data ?? [];
    const correct = labels.filter((label, i) => {
      const row = data.slice(i * 10, i * 10 + 10);
      return row.indexOf(Math.max(...row)) === label;
    }).length;
    return { output: scores?.name ?? "", accuracyPercent: (100 * correct) / labels.length };
  } finally {
    await runtime.stop();
  }
}
const resultIn = (out: string): BuildResult => JSON.parse(readFileSync(join(out, "build-result.json"), "utf8"));
const target = (r: BuildResult, name: TargetResult["target"]) => r.targets.find((t) => t.target === name);

// The example model and data, made once for every test here (tempDir's go after each test).
beforeAll(async () => {
  example = mkdtempSync(join(tmpdir(), "edgefleet-model-build-example-"));
  const made = await run(["example", "--out", example]);
  expect(made.code, made.stderr).toBe(0);
});
afterAll(() => rmSync(example, { recursive: true, force: true }));

describe("model build on the digits MLP", () => {
  it("builds every target, int8 static at most a third of the source's size, each within a point of its accuracy", async () => {
    const out = tempDir();
    const built = await build(out, join(example, "digits-calibration.npz"));
    expect(built.code, built.stderr).toBe(0);
    expect(built.stderr).toContain("model build: onnx-int8-static: measuring on 540 evaluation samples");
    const result = resultIn(out);
    expect(built.stdout).toContain("TARGET");
    expect(result.targets.map((t) => [t.target, t.verdict])).toEqual([
      ["onnx-fp32", "written"],
      ["onnx-int8-dynamic", "written"],
      ["onnx-int8-static", "written"],
      ["onnx-fp16", "written"],
      ["openvino-fp16", "written"],
      ["openvino-int8", "written"],
      ["tflite-fp32", "written"],
      ["tflite-int8", "written"],
    ]);
    const source = target(result, "onnx-fp32");
    // The MLP classifies the held-out digits well: a drop below is a loss of the build, not of the model.
    expect(source?.accuracyPercent).toBeGreaterThan(95);
    for (const t of result.targets) {
      expect(t.evaluationSamples).toBe(540);
      expect(Math.abs(t.accuracyDropPoints)).toBeLessThanOrEqual(1);
      expect(t.latencyMs.p50).toBeGreaterThan(0);
      expect(t.latencyMs.p95).toBeGreaterThanOrEqual(t.latencyMs.p50);
      expect(readFileSync(t.file ?? "").length).toBe(t.sizeBytes);
    }
    // int8 weights are a quarter of float32's; scales, zero points, int32 biases and the graph add the rest.
    expect(target(result, "onnx-int8-static")?.sizeRatio).toBeLessThanOrEqual(1 / 3);
    expect(target(result, "onnx-int8-dynamic")?.sizeRatio).toBeLessThanOrEqual(1 / 3);
    expect(target(result, "onnx-fp16")?.sizeRatio).toBeLessThan(0.7);
    // The IR's XML graph (16 KiB here) and the tar's 10 KiB records weigh on a model this small.
    expect(target(result, "openvino-int8")?.sizeRatio).toBeLessThan(0.45);
    expect(target(result, "openvino-fp16")?.sizeRatio).toBeLessThan(0.7);
    expect(target(result, "tflite-int8")?.sizeRatio).toBeLessThanOrEqual(1 / 3);
    expect(result.openvino).toMatch(/^\d{4}\.\d+\.\d+$/);
    expect(readFileSync(join(out, "digits-mlp-openvino-int8.tar")).length).toBe(target(result, "openvino-int8")?.sizeBytes);
  });

  it("the OpenVINO int8 build, served by the OpenVINO runtime, classifies the evaluation digits as the build measured", async () => {
    const out = tempDir();
    const built = await build(out, join(example, "digits-calibration.npz"), "--targets", "openvino-int8", "--max-accuracy-drop", "0.5");
    expect(built.code, built.stderr).toBe(0);
    const measured = target(resultIn(out), "openvino-int8");
    expect(measured?.accuracyDropPoints).toBeLessThanOrEqual(0.5);
    const served = await servedAccuracy("packages/openvino-runtime/src/main.ts", measured?.file ?? "");
    expect(served.output).toBe("probabilities");
    expect(served.accuracyPercent).toBeCloseTo(measured?.accuracyPercent ?? 0, 5);
  });

  it("the TFLite int8 build (onnx2tf, TensorFlow's quantizer), served by the TFLite runtime, classifies the evaluation digits as the build measured", async () => {
    const out = tempDir();
    const built = await build(out, join(example, "digits-calibration.npz"), "--targets", "tflite-int8");
    expect(built.code, built.stderr).toBe(0);
    const result = resultIn(out);
    const measured = target(result, "tflite-int8");
    expect(measured?.verdict).toBe("written");
    expect(measured?.accuracyDropPoints).toBeLessThanOrEqual(1);
    expect(measured?.sizeRatio).toBeLessThanOrEqual(1 / 3);
    expect(result.tensorflow).toMatch(/^\d+\.\d+\.\d+$/);
    expect(readFileSync(join(out, "digits-mlp-tflite-int8.tflite")).length).toBe(measured?.sizeBytes);
    const served = await servedAccuracy("packages/tflite-runtime/src/main.ts", measured?.file ?? "");
    expect(served.accuracyPercent).toBeCloseTo(measured?.accuracyPercent ?? 0, 5);
  });

  it("refuses int8 builds calibrated on constant zeros, ONNX's, OpenVINO's and TFLite's, with the numbers, and writes nothing of them", async () => {
    // Zeros as calibration: every activation range is what the biases alone give, so real digits
    // saturate the int8 activations (about 42 points lost by ONNX Runtime's build of this model, 88
    // by NNCF's and by TensorFlow's).
    const zeros = join(tempDir(), "zeros.npz");
    const script = "import sys, numpy as np; d = np.load(sys.argv[1]); np.savez(sys.argv[2], inputs=np.zeros_like(d['inputs']))";
    await pythonOutput(["-c", script, join(example, "digits-calibration.npz"), zeros]);
    const out = tempDir();
    const built = await build(out, zeros, "--targets", "onnx-int8-static,openvino-int8,tflite-int8");
    expect(built.code).toBe(1);
    expect(built.stderr).toContain("model build: refused onnx-int8-static, openvino-int8, tflite-int8 (accuracy gate)");
    for (const name of ["onnx-int8-static", "openvino-int8", "tflite-int8"] as const) {
      const refused = target(resultIn(out), name);
      expect(refused?.verdict).toBe("refused");
      expect(refused?.accuracyDropPoints).toBeGreaterThan(10);
      expect(refused?.reason).toMatch(/points below the source's .*, more than --max-accuracy-drop 1$/);
      expect(built.stdout).toMatch(new RegExp(`${name} .* REFUSED`));
    }
    expect(existsSync(join(out, "digits-mlp-int8-static.onnx"))).toBe(false);
    expect(existsSync(join(out, "digits-mlp-openvino-int8.tar"))).toBe(false);
    expect(existsSync(join(out, "digits-mlp-tflite-int8.tflite"))).toBe(false);
  });

  it("refuses, naming the fix, a source whose weights are in external data files, and a file that is not ONNX", async () => {
    const dir = tempDir();
    const external = join(dir, "digits-external.onnx");
    const script =
      // As raw data first: ONNX moves only raw tensors out, and skl2onnx writes float lists.
      "import sys, onnx; from onnx import numpy_helper as nh; m = onnx.load(sys.argv[1]); [t.CopyFrom(nh.from_array(nh.to_array(t), t.name)) for t in m.graph.initializer]; onnx.save_model(m, sys.argv[2], save_as_external_data=True, location='digits-weights.bin', size_threshold=0)";
    await pythonOutput(["-c", script, join(example, "digits-mlp.onnx"), external]);
    const refused = await run(["build", "--model", external, ...dataFlags(), "--out", join(dir, "out"), "--targets", "onnx-fp32"]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`--model ${external} keeps its weights in external data files (digits-weights.bin)`);
    expect(refused.stderr).toContain("save_as_external_data=False");
    const junk = join(dir, "junk.onnx");
    writeFileSync(junk, "not a model");
    const notOnnx = await run(["build", "--model", junk, ...dataFlags(), "--out", join(dir, "out2"), "--targets", "onnx-fp32"]);
    expect(notOnnx.code).toBe(1);
    expect(notOnnx.stderr).toContain(`--model ${junk} is not an ONNX model`);
  });
});
