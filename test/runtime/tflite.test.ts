import { statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { IMAGE_SIZE } from "@edgefleet/test-models";
import { buildTfliteTestModel } from "@edgefleet/tflite-runtime";
import { loadToolchain } from "@edgefleet/tools";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RuntimeProcess } from "./runtime-process.js";
import { testModels } from "./runtime-process.js";
import { expectMetadata, expectWorkerDeathAnswered, largestDifference, onnxScores, scores, WorkerRuntimes } from "./worker-runtime.js";

// LiteRT's interpreter (ai-edge-litert from the toolchain's Python tools venv) serving .tflite
// files written from the project's own test model (fp32, and int8 by LiteRT's own quantizer),
// checked against onnxruntime on the ONNX model.
const python = loadToolchain().bin("venv-python");
const models = testModels();
const files = { fp32: join(models.dir, "detector-fp32.tflite"), int8: join(models.dir, "detector-int8.tflite") };
const runtimes = new WorkerRuntimes("packages/tflite-runtime/src/main.ts", python);
let expected: number[];

beforeAll(async () => {
  await Promise.all([
    buildTfliteTestModel({ python, onnx: models.path("detector"), out: files.fp32, precision: "fp32" }),
    buildTfliteTestModel({ python, onnx: models.path("detector"), out: files.int8, precision: "int8" }),
  ]);
  expected = await onnxScores(models.path("detector"));
});

afterAll(async () => {
  await runtimes.stop();
  models.remove();
});

describe("TFLite runtime on LiteRT's interpreter", () => {
  it("serves an int8 .tflite through LiteRT with answers close to onnxruntime's on the ONNX model", async () => {
    // int8 weights: the file is smaller than the fp32 one.
    expect(statSync(files.int8).size).toBeLessThan(statSync(files.fp32).size);
    const runtime = await runtimes.serve(files.int8);
    await expectMetadata(runtime, "edgefleet-tflite-runtime", "tflite");
    const int8 = await scores(runtime);
    // Class probabilities; int8 weights and activations move them by a little, never by much.
    expect(largestDifference(int8, expected)).toBeLessThan(0.02);
    expect(largestDifference(int8, expected)).toBeGreaterThan(0);
  });

  it("serves the fp32 .tflite with onnxruntime's answers to float precision, whatever the batch", async () => {
    const runtime = await runtimes.serve(files.fp32);
    expect(largestDifference(await scores(runtime), expected)).toBeLessThan(1e-5);
    // Another batch size: the interpreter's input is resized, and back.
    expect(largestDifference(await scores(runtime, [1, 3, IMAGE_SIZE, IMAGE_SIZE]), expected.slice(0, 10))).toBeLessThan(1e-5);
    expect(largestDifference(await scores(runtime), expected)).toBeLessThan(1e-5);
  });

  it("answers 500 naming the cause when its LiteRT worker dies, and stays up", async () => {
    await expectWorkerDeathAnswered(runtimes.started[1] as RuntimeProcess, "LiteRT");
  });

  it("exits with the reason when the file is not a TFLite model", async () => {
    const path = join(models.dir, "not.tflite");
    writeFileSync(path, "not a flatbuffer");
    await expect(runtimes.serve(path)).rejects.toThrow(/runtime exited with 1.*model failed to load.*not\.tflite: ValueError/s);
  });
});
