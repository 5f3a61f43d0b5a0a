import { execFileSync, spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { buildIrArtifact } from "@edgefleet/openvino-runtime";
import { IMAGE_SIZE, INPUT_NAME, OUTPUT_NAME } from "@edgefleet/test-models";
import { loadToolchain } from "@edgefleet/tools";
import { InferenceSession, Tensor } from "onnxruntime-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually } from "../helpers/kube.js";
import { call, postJson } from "./oip.js";
import { type RuntimeProcess, startRuntime, testModels } from "./runtime-process.js";

// The real OpenVINO runtime (the toolchain's Python tools venv) serving IR converted and quantized
// by the real tools from the project's own test model, checked against onnxruntime on the ONNX.
const OPENVINO_MAIN = "packages/openvino-runtime/src/main.ts";
const python = loadToolchain().bin("venv-python");
const models = testModels();
const SHAPE = [2, 3, IMAGE_SIZE, IMAGE_SIZE];
const pixels = Float32Array.from({ length: 2 * 3 * IMAGE_SIZE * IMAGE_SIZE }, (_, i) => ((i * 7919) % 1000) / 1000);
const ir = { fp32: join(models.dir, "detector-fp32.tar"), int8: join(models.dir, "detector-int8.tar") };
const runtimes: RuntimeProcess[] = [];
let expected: number[];

function serve(path: string): Promise<RuntimeProcess> {
  const started = startRuntime(
    ["--model-name=vision/detector", "--model-version=1.0.0", `--model-path=${path}`, `--python=${python}`, "--intra-op-threads=1"],
    OPENVINO_MAIN,
  );
  return started.then((r) => {
    runtimes.push(r);
    return r;
  });
}

async function scores(runtime: RuntimeProcess): Promise<number[]> {
  const answer = await postJson(`${runtime.url}/v2/models/detector/infer`, {
    inputs: [{ name: INPUT_NAME, shape: SHAPE, datatype: "FP32", data: Array.from(pixels) }],
  });
  expect(answer.status).toBe(200);
  const [output] = answer.body.outputs as { name: string; shape: number[]; data: number[] }[];
  expect(output).toMatchObject({ name: OUTPUT_NAME, shape: [2, 10] });
  return output?.data ?? [];
}

const largestDifference = (a: number[], b: number[]) => Math.max(...a.map((x, i) => Math.abs(x - (b[i] ?? Number.NaN))));

beforeAll(async () => {
  await Promise.all([
    buildIrArtifact({ python, onnx: models.path("detector"), out: ir.fp32, precision: "fp32" }),
    buildIrArtifact({ python, onnx: models.path("detector"), out: ir.int8, precision: "int8" }),
  ]);
  const session = await InferenceSession.create(models.path("detector"));
  const out = await session.run({ [INPUT_NAME]: new Tensor("float32", pixels, SHAPE) });
  expected = Array.from(out[OUTPUT_NAME]?.data as Float32Array);
  await session.release();
});

afterAll(async () => {
  await Promise.all(runtimes.filter((r) => r.child.exitCode === null).map((r) => r.stop()));
  models.remove();
});

describe("OpenVINO runtime on IR made by the real OpenVINO tools", () => {
  it("serves an int8 IR through the real OpenVINO runtime with answers close to onnxruntime's on the ONNX model", async () => {
    const runtime = await serve(ir.int8);
    expect(await call(`${runtime.url}/v2`)).toEqual({
      status: 200,
      body: { name: "edgefleet-openvino-runtime", version: "0.1.0", extensions: [] },
    });
    expect(await call(`${runtime.url}/v2/health/ready`)).toEqual({ status: 200, body: { ready: true } });
    expect(await call(`${runtime.url}/v2/models/detector`)).toEqual({
      status: 200,
      body: {
        name: "detector",
        versions: ["1.0.0"],
        platform: "openvino_ir",
        inputs: [{ name: INPUT_NAME, datatype: "FP32", shape: [-1, 3, IMAGE_SIZE, IMAGE_SIZE] }],
        outputs: [{ name: OUTPUT_NAME, datatype: "FP32", shape: [-1, 10] }],
      },
    });
    const int8 = await scores(runtime);
    // Class probabilities; int8 weights and activations move them by a little, never by much.
    expect(largestDifference(int8, expected)).toBeLessThan(0.02);
    expect(largestDifference(int8, expected)).toBeGreaterThan(0);
    const metrics = await (await fetch(`${runtime.url}/metrics`)).text();
    expect(metrics).toMatch(/edgefleet_runtime_inference_requests_total\{model="detector",version="1.0.0",result="success"\} 1\n/);
  });

  it("serves the fp32 IR with onnxruntime's answers to float precision", async () => {
    expect(largestDifference(await scores(await serve(ir.fp32)), expected)).toBeLessThan(1e-5);
  });

  it("refuses bad input with a 400 naming the field, counted as the client's error", async () => {
    const runtime = runtimes[0] as RuntimeProcess;
    const infer = (input: Record<string, unknown>) =>
      postJson(`${runtime.url}/v2/models/detector/infer`, {
        inputs: [{ name: INPUT_NAME, shape: SHAPE, datatype: "FP32", data: Array.from(pixels), ...input }],
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
    const runtime = runtimes[1] as RuntimeProcess;
    const worker = execFileSync("ps", ["-o", "pid=", "--ppid", String(runtime.child.pid)], { encoding: "utf8" }).trim();
    process.kill(Number(worker), "SIGKILL");
    await eventually("the worker gone", async () => (spawnSync("kill", ["-0", worker]).status !== 0 ? true : undefined), 10_000);
    const answer = await postJson(`${runtime.url}/v2/models/detector/infer`, {
      inputs: [{ name: INPUT_NAME, shape: SHAPE, datatype: "FP32", data: Array.from(pixels) }],
    });
    expect(answer).toEqual({
      status: 500,
      body: { error: expect.stringMatching(/^inference failed: the OpenVINO worker exited \(SIGKILL\)/) },
    });
    expect((await call(`${runtime.url}/v2/health/live`)).status).toBe(200);
    expect(await (await fetch(`${runtime.url}/metrics`)).text()).toMatch(/result="error"\} 1\n/);
  });

  it("exits with the reason when the artifact is not an IR artifact", async () => {
    const path = join(models.dir, "not-ir.tar");
    writeFileSync(path, "not a tar");
    await expect(serve(path)).rejects.toThrow(
      /runtime exited with 1.*model failed to load.*not an OpenVINO IR artifact \(an uncompressed tar of model\.xml and model\.bin\)/s,
    );
  });
});
