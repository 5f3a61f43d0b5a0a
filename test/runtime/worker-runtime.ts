import { execFileSync, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { IMAGE_SIZE, INPUT_NAME, OUTPUT_NAME } from "@edgefleet/test-models";
import { InferenceSession, Tensor } from "onnxruntime-node";
import { expect } from "vitest";
import { eventually } from "../helpers/kube.js";
import { call, postJson } from "./oip.js";
import { type RuntimeProcess, startRuntime } from "./runtime-process.js";

/*
 * What the tests of the Python-engined runtimes (OpenVINO, TFLite) share: starting the runtime on a
 * model file, a batch of the detector's input, its answers against onnxruntime's on the ONNX model.
 */

export const SHAPE = [2, 3, IMAGE_SIZE, IMAGE_SIZE];
const pixels = Float32Array.from({ length: 2 * 3 * IMAGE_SIZE * IMAGE_SIZE }, (_, i) => ((i * 7919) % 1000) / 1000);
const request = (shape = SHAPE) => ({
  inputs: [
    {
      name: INPUT_NAME,
      shape,
      datatype: "FP32",
      data: Array.from(
        pixels.subarray(
          0,
          shape.reduce((a, b) => a * b, 1),
        ),
      ),
    },
  ],
});

export const largestDifference = (a: number[], b: number[]) => Math.max(...a.map((x, i) => Math.abs(x - (b[i] ?? Number.NaN))));

/** onnxruntime's class scores for the batch on the ONNX model. */
export async function onnxScores(onnx: string): Promise<number[]> {
  const session = await InferenceSession.create(onnx);
  const out = await session.run({ [INPUT_NAME]: new Tensor("float32", pixels, SHAPE) });
  await session.release();
  return Array.from(out[OUTPUT_NAME]?.data as Float32Array);
}

export class WorkerRuntimes {
  readonly started: RuntimeProcess[] = [];

  constructor(
    private readonly main: string,
    private readonly python: string,
  ) {}

  /**
   * The runtime serving path as vision/detector 1.0.0 with one inference thread, told the file's
   * sha256 as the catalog's runtimes are (or another one).
   */
  async serve(path: string, sha256 = createHash("sha256").update(readFileSync(path)).digest("hex")): Promise<RuntimeProcess> {
    const args = [
      "--model-name=vision/detector",
      "--model-version=1.0.0",
      `--model-path=${path}`,
      `--model-sha256=${sha256}`,
      `--python=${this.python}`,
    ];
    const runtime = await startRuntime([...args, "--intra-op-threads=1"], this.main);
    this.started.push(runtime);
    return runtime;
  }

  async stop(): Promise<void> {
    await Promise.all(this.started.filter((r) => r.child.exitCode === null).map((r) => r.stop()));
  }
}

/** The runtime's class scores for the batch (or its first `shape[0]` images). */
export async function scores(runtime: RuntimeProcess, shape = SHAPE): Promise<number[]> {
  const answer = await postJson(`${runtime.url}/v2/models/detector/infer`, request(shape));
  expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  const [output] = answer.body.outputs as { name: string; shape: number[]; data: number[] }[];
  expect(output).toMatchObject({ name: OUTPUT_NAME, shape: [shape[0], 10] });
  return output?.data ?? [];
}

/** The server's name, readiness and the model's metadata, as a runtime of this name and platform answers them. */
export async function expectMetadata(runtime: RuntimeProcess, server: string, platform: string): Promise<void> {
  expect(await call(`${runtime.url}/v2`)).toEqual({ status: 200, body: { name: server, version: "0.1.0", extensions: [] } });
  expect(await call(`${runtime.url}/v2/health/ready`)).toEqual({ status: 200, body: { ready: true } });
  expect(await call(`${runtime.url}/v2/models/detector`)).toEqual({
    status: 200,
    body: {
      name: "detector",
      versions: ["1.0.0"],
      platform,
      inputs: [{ name: INPUT_NAME, datatype: "FP32", shape: [-1, 3, IMAGE_SIZE, IMAGE_SIZE] }],
      outputs: [{ name: OUTPUT_NAME, datatype: "FP32", shape: [-1, 10] }],
    },
  });
}

/** Kills the runtime's worker process; then an inference answers 500 naming the engine's exit, and the runtime stays live. */
export async function expectWorkerDeathAnswered(runtime: RuntimeProcess, engine: string): Promise<void> {
  const worker = execFileSync("ps", ["-o", "pid=", "--ppid", String(runtime.child.pid)], { encoding: "utf8" }).trim();
  process.kill(Number(worker), "SIGKILL");
  await eventually("the worker gone", async () => (spawnSync("kill", ["-0", worker]).status !== 0 ? true : undefined), 10_000);
  expect(await postJson(`${runtime.url}/v2/models/detector/infer`, request())).toEqual({
    status: 500,
    body: { error: expect.stringMatching(new RegExp(`^inference failed: the ${engine} worker exited \\(SIGKILL\\)`)) },
  });
  expect((await call(`${runtime.url}/v2/health/live`)).status).toBe(200);
  expect(await (await fetch(`${runtime.url}/metrics`)).text()).toMatch(/result="error"\} 1\n/);
}
