import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { buildIrArtifact } from "@edgefleet/openvino-runtime";
import { IMAGE_SIZE, INPUT_NAME } from "@edgefleet/test-models";
import { loadToolchain } from "@edgefleet/tools";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { postJson } from "./oip.js";
import type { RuntimeProcess } from "./runtime-process.js";
import { testModels } from "./runtime-process.js";
import {
  expectMetadata,
  expectWorkerDeathAnswered,
  largestDifference,
  onnxScores,
  SHAPE,
  scores,
  WorkerRuntimes,
} from "./worker-runtime.js";

// The real OpenVINO runtime (the toolchain's Python tools venv) serving IR converted and quantized
// by the real tools from the project's own test model, checked against onnxruntime on the ONNX.
const python = loadToolchain().bin("venv-python");
const models = testModels();
const ir = { fp32: join(models.dir, "detector-fp32.tar"), int8: join(models.dir, "detector-int8.tar") };
const runtimes = new WorkerRuntimes("packages/openvino-runtime/src/main.ts", python);
let expected: number[];

beforeAll(async () => {
  await Promise.all([
    buildIrArtifact({ python, onnx: models.path("detector"), out: ir.fp32, precision: "fp32" }),
    buildIrArtifact({ python, onnx: models.path("detector"), out: ir.int8, precision: "int8" }),
  ]);
  expected = await onnxScores(models.path("detector"));
});

afterAll(async () => {
  await runtimes.stop();
  models.remove();
});

describe("OpenVINO runtime on IR made by the real OpenVINO tools", () => {
  it("serves an int8 IR through the real OpenVINO runtime with answers close to onnxruntime's on the ONNX model", async () => {
    const runtime = await runtimes.serve(ir.int8);
    await expectMetadata(runtime, "edgefleet-openvino-runtime", "openvino_ir");
    const int8 = await scores(runtime);
    // Class probabilities; int8 weights and activations move them by a little, never by much.
    expect(largestDifference(int8, expected)).toBeLessThan(0.02);
    expect(largestDifference(int8, expected)).toBeGreaterThan(0);
    const metrics = await (await fetch(`${runtime.url}/metrics`)).text();
    expect(metrics).toMatch(/edgefleet_runtime_inference_requests_total\{model="detector",version="1.0.0",result="success"\} 1\n/);
  });

  it("serves the fp32 IR with onnxruntime's answers to float precision", async () => {
    expect(largestDifference(await scores(await runtimes.serve(ir.fp32)), expected)).toBeLessThan(1e-5);
  });

  it("refuses bad input with a 400 naming the field, counted as the client's error", async () => {
    const runtime = runtimes.started[0] as RuntimeProcess;
    const infer = (input: Record<string, unknown>) =>
      postJson(`${runtime.url}/v2/models/detector/infer`, {
        inputs: [{ name: INPUT_NAME, shape: SHAPE, datatype: "FP32", data: new Array(6144).fill(0.5), ...input }],
      });
    expect(await infer({ datatype: "INT64" })).toEqual({
      status: 400,
      body: { error: 'inputs[0].datatype: input "input" takes FP32, got "INT64"' },
    });
    expect(await infer({ shape: [2, 3, IMAGE_SIZE] })).toEqual({
      status: 400,
      body: {
        error: `inputs[0].shape: [2,3,${IMAGE_SIZE}] does not fit input "input" of shape [-1,3,${IMAGE_SIZE},${IMAGE_SIZE}] (-1: any size)`,
      },
    });
    expect((await infer({ data: [1, 2, 3] })).body.error).toMatch(/^inputs\[0\]\.data: 3 elements, but shape \[2,3,32,32\] needs 6144$/);
    const metrics = await (await fetch(`${runtime.url}/metrics`)).text();
    expect(metrics).toMatch(/result="client_error"\} 3\n/);
  });

  it("answers 500 naming the cause when its OpenVINO worker dies, and stays up", async () => {
    await expectWorkerDeathAnswered(runtimes.started[1] as RuntimeProcess, "OpenVINO");
  });

  it("loads only the bytes it hashed: a file that no longer hashes to --model-sha256 is refused", async () => {
    await expect(runtimes.serve(ir.fp32, "0".repeat(64))).rejects.toThrow(
      /runtime exited with 1.*model failed to load.*has sha256 [a-f0-9]{64}, not 0{64} \(--model-sha256\): it changed after it was verified; delete the pod/s,
    );
  });

  it("exits with the reason when the artifact is not an IR artifact", async () => {
    const path = join(models.dir, "not-ir.tar");
    writeFileSync(path, "not a tar");
    await expect(runtimes.serve(path)).rejects.toThrow(
      /runtime exited with 1.*model failed to load.*not an OpenVINO IR artifact \(an uncompressed tar of model\.xml and model\.bin\)/s,
    );
  });
});
