import { execFile } from "node:child_process";
import { writeFileSync } from "node:fs";
import { request } from "node:http";
import { join } from "node:path";
import { promisify } from "node:util";
import { IMAGE_SIZE, INPUT_NAME, OUTPUT_NAME } from "@edgefleet/test-models";
import { InferenceSession, Tensor } from "onnxruntime-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, postJson } from "./oip.js";
import { type RuntimeProcess, startRuntime, testModels } from "./runtime-process.js";

const models = testModels();
const SHAPE = [2, 3, IMAGE_SIZE, IMAGE_SIZE];
const pixels = Float32Array.from({ length: 2 * 3 * IMAGE_SIZE * IMAGE_SIZE }, (_, i) => ((i * 7919) % 1000) / 1000);
const MAX_BODY = 200_000;
let runtime: RuntimeProcess;
let session: InferenceSession;
let expected: Float32Array;

const infer = (path = "/v2/models/detector/infer") => `${runtime.url}${path}`;
const input = (overrides: Record<string, unknown> = {}) => ({
  name: INPUT_NAME,
  shape: SHAPE,
  datatype: "FP32",
  data: Array.from(pixels),
  ...overrides,
});

beforeAll(async () => {
  runtime = await startRuntime([
    "--model-name=vision/detector",
    "--model-version=1.0.0",
    `--model-path=${models.path("detector")}`,
    `--max-body-bytes=${MAX_BODY}`,
  ]);
  session = await InferenceSession.create(models.path("detector"));
  const out = await session.run({ [INPUT_NAME]: new Tensor("float32", pixels, SHAPE) });
  expected = out[OUTPUT_NAME]?.data as Float32Array;
});

afterAll(async () => {
  if (runtime.child.exitCode === null) await runtime.stop();
  await session?.release();
  models.remove();
});

describe("CPU runtime process: health and metadata", () => {
  it("is live and ready, and says who it is", async () => {
    expect(await call(`${runtime.url}/v2/health/live`)).toEqual({ status: 200, body: { live: true } });
    expect(await call(`${runtime.url}/v2/health/ready`)).toEqual({ status: 200, body: { ready: true } });
    expect(await call(`${runtime.url}/v2`)).toEqual({
      status: 200,
      body: { name: "edgefleet-cpu-runtime", version: "0.1.0", extensions: [] },
    });
    expect(await call(`${runtime.url}/v2/models/detector/ready`)).toEqual({ status: 200, body: { name: "detector", ready: true } });
    expect((await call(`${runtime.url}/v2/models/detector/versions/1.0.0/ready`)).status).toBe(200);
  });

  it("describes the model's inputs and outputs from the session, -1 for open dimensions", async () => {
    const metadata = {
      name: "detector",
      versions: ["1.0.0"],
      platform: "onnxruntime_onnx",
      inputs: [{ name: INPUT_NAME, datatype: "FP32", shape: [-1, 3, IMAGE_SIZE, IMAGE_SIZE] }],
      outputs: [{ name: OUTPUT_NAME, datatype: "FP32", shape: [-1, 10] }],
    };
    expect(await call(`${runtime.url}/v2/models/detector`)).toEqual({ status: 200, body: metadata });
    expect(await call(`${runtime.url}/v2/models/detector/versions/1.0.0`)).toEqual({ status: 200, body: metadata });
  });
});

describe("CPU runtime process: infer", () => {
  it("answers what a direct session.run gives, with the request's id", async () => {
    const { status, body } = await postJson(infer("/v2/models/detector/versions/1.0.0/infer"), { id: "req-1", inputs: [input()] });
    expect(status).toBe(200);
    expect(body).toMatchObject({ model_name: "detector", model_version: "1.0.0", id: "req-1" });
    expect(body.outputs).toEqual([{ name: OUTPUT_NAME, datatype: "FP32", shape: [2, 10], data: Array.from(expected) }]);
  });

  it("takes nested data and a requested output list", async () => {
    const nested = Array.from({ length: 2 }, (_, b) =>
      Array.from({ length: 3 }, (_, c) =>
        Array.from({ length: IMAGE_SIZE }, (_, y) =>
          Array.from(pixels.subarray(((b * 3 + c) * IMAGE_SIZE + y) * IMAGE_SIZE, ((b * 3 + c) * IMAGE_SIZE + y + 1) * IMAGE_SIZE)),
        ),
      ),
    );
    const { status, body } = await postJson(infer(), { inputs: [input({ data: nested })], outputs: [{ name: OUTPUT_NAME }] });
    expect(status).toBe(200);
    expect(body.id).toBeUndefined();
    expect((body.outputs as { data: number[] }[])[0]?.data).toEqual(Array.from(expected));
  });

  it("takes the binary tensor data extension", async () => {
    const header = Buffer.from(
      JSON.stringify({ inputs: [input({ data: undefined, parameters: { binary_data_size: pixels.byteLength } })] }),
    );
    const { status, body } = await call(infer(), {
      method: "POST",
      headers: { "Inference-Header-Content-Length": String(header.length) },
      body: Buffer.concat([header, Buffer.from(pixels.buffer)]),
    });
    expect(status).toBe(200);
    expect((body.outputs as { data: number[] }[])[0]?.data).toEqual(Array.from(expected));
  });
});

describe("CPU runtime process: errors name the field", () => {
  const one = input({ shape: [1, 3, IMAGE_SIZE, IMAGE_SIZE], data: Array.from(pixels.subarray(0, 3 * IMAGE_SIZE * IMAGE_SIZE)) });
  it.each([
    [
      "an unknown input name",
      { inputs: [input({ name: "image" })] },
      /inputs\[0\]\.name: model detector has no input "image"; its inputs are input/,
    ],
    ["a wrong datatype", { inputs: [input({ datatype: "INT64" })] }, /inputs\[0\]\.datatype: input "input" takes FP32, got "INT64"/],
    [
      "a shape that does not fit",
      { inputs: [input({ shape: [2, 3, 32, 31] })] },
      /inputs\[0\]\.shape: \[2,3,32,31\] does not fit input "input" of shape \[-1,3,32,32\]/,
    ],
    [
      "too few elements for the shape",
      { inputs: [input({ data: [1, 2, 3] })] },
      /inputs\[0\]\.data: 3 elements, but shape \[2,3,32,32\] needs 6144/,
    ],
    ["a non-number element", { inputs: [input({ data: [1, "x"] })] }, /inputs\[0\]\.data: element 1 is "x", not a FP32 value/],
    ["a missing inputs array", { id: "x" }, /inputs: must be a non-empty array/],
    ["an input given twice", { inputs: [one, one] }, /inputs\[1\]\.name: input "input" is given twice/],
    ["an unknown output", { inputs: [input()], outputs: [{ name: "boxes" }] }, /outputs\[0\]\.name: no output "boxes"/],
    ["a non-string id", { id: 7, inputs: [input()] }, /id: must be a string/],
    [
      "a batch over --max-input-bytes (default: 64 samples, at least 1 MiB)",
      { inputs: [input({ shape: [100_000, 3, IMAGE_SIZE, IMAGE_SIZE], data: [] })] },
      /inputs\[0\]\.shape: \[100000,3,32,32\] takes 1228800000 bytes, over the 1048576 bytes left .*\(--max-input-bytes\)/,
    ],
    [
      "a batch past what a typed array can hold",
      { inputs: [input({ shape: [2 ** 40, 3, IMAGE_SIZE, IMAGE_SIZE], data: [] })] },
      /inputs\[0\]\.shape: .*--max-input-bytes/,
    ],
    [
      "an empty batch",
      { inputs: [input({ shape: [0, 3, IMAGE_SIZE, IMAGE_SIZE], data: [] })] },
      /inputs\[0\]\.shape: \[0,3,32,32\] has a 0 dimension/,
    ],
    [
      "binary data without the header",
      { inputs: [input({ parameters: { binary_data_size: 4 } })] },
      /binary_data_size: binary data needs the Inference-Header-Content-Length header/,
    ],
  ])("400 for %s", async (_, request, message) => {
    const { status, body } = await postJson(infer(), request);
    expect(status).toBe(400);
    expect(body.error).toMatch(message);
  });

  it("400 for a body that is not JSON, and for a binary size that does not match", async () => {
    const notJson = await call(infer(), { method: "POST", body: "{inputs" });
    expect(notJson.status).toBe(400);
    expect(notJson.body.error).toMatch(/request body is not valid JSON/);
    const header = Buffer.from(JSON.stringify({ inputs: [input({ data: undefined, parameters: { binary_data_size: 8 } })] }));
    const short = await call(infer(), {
      method: "POST",
      headers: { "Inference-Header-Content-Length": String(header.length) },
      body: Buffer.concat([header, Buffer.alloc(8)]),
    });
    expect(short.status).toBe(400);
    expect(short.body.error).toMatch(/inputs\[0\]\.parameters\.binary_data_size: 8 bytes, but 6144 FP32 elements take 24576/);
  });

  it("404 for an unknown model, version or route", async () => {
    expect(await postJson(infer("/v2/models/yolo/infer"), { inputs: [input()] })).toEqual({
      status: 404,
      body: { error: 'model "yolo" not found; this runtime serves "detector"' },
    });
    const version = await call(`${runtime.url}/v2/models/detector/versions/2.0.0`);
    expect(version).toEqual({
      status: 404,
      body: { error: 'model "detector" has no version "2.0.0"; this runtime serves version "1.0.0"' },
    });
    expect((await call(`${runtime.url}/v2/models/detector/versions/2.0.0/ready`)).status).toBe(404);
    expect((await call(`${runtime.url}/v1/models/detector`)).status).toBe(404);
  });

  it("405 for the wrong method", async () => {
    const res = await call(infer(), { method: "GET" });
    expect(res.status).toBe(405);
    expect(res.body.error).toMatch(/GET is not allowed .* use POST/);
  });

  it("413 for a body above --max-body-bytes, declared or streamed", async () => {
    const big = JSON.stringify({ inputs: [input({ data: Array.from({ length: 60_000 }, () => 0.123456) })] });
    const declared = await postJson(infer(), JSON.parse(big));
    expect(declared.status).toBe(413);
    expect(declared.body.error).toMatch(/exceeds the runtime's limit of 200000 bytes \(--max-body-bytes\)/);
    // Chunked, so the limit is found while reading rather than from Content-Length.
    const streamed = await new Promise<number | undefined>((resolve, reject) => {
      const req = request(infer(), { method: "POST" }, (res) => {
        res.resume();
        resolve(res.statusCode);
      });
      req.on("error", reject);
      for (let i = 0; i < big.length; i += 16_384) req.write(big.slice(i, i + 16_384));
      req.end();
    });
    expect(streamed).toBe(413);
  });

  it("counts every infer request by result in its own metrics, which promtool accepts", async () => {
    const text = await (await fetch(`${runtime.url}/metrics`)).text();
    const count = (result: string) =>
      Number(
        new RegExp(`edgefleet_runtime_inference_requests_total\\{model="detector",version="1.0.0",result="${result}"\\} (\\d+)`).exec(
          text,
        )?.[1],
      );
    expect(count("success")).toBeGreaterThanOrEqual(3);
    // Junk (malformed, another model, a huge batch, a wrong method, too large) is the client's error,
    // never the model's: the error ratio a rollout is judged on reads only result="error".
    expect(count("client_error")).toBeGreaterThanOrEqual(19);
    expect(count("error")).toBe(0);
    expect(text).toContain('edgefleet_runtime_inference_duration_seconds_bucket{le="0.0005",model="detector",version="1.0.0"}');
    expect(text).not.toMatch(/model="yolo"/);
    const file = join(models.dir, "metrics.txt");
    writeFileSync(file, text);
    const { stdout, stderr } = await promisify(execFile)("sh", ["-c", `promtool check metrics < ${file}`]).catch(
      (e: { stdout: string; stderr: string }) => e,
    );
    expect(`${stdout}${stderr}`).toBe("");
  });
});

describe("CPU runtime process: flags and shutdown", () => {
  const run = (args: string[]) =>
    promisify(execFile)(process.execPath, ["--import", "tsx", "packages/cpu-runtime/src/main.ts", ...args]).then(
      (r) => ({ code: 0, ...r }),
      (e: { code: number; stdout: string; stderr: string }) => e,
    );

  it("--help, and a missing or bad flag named with exit 2", async () => {
    expect((await run(["--help"])).stdout).toMatch(/--model-path FILE/);
    const missing = await run(["--model-name=detector", "--model-version=1"]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^--model-path is required/);
    const bad = await run(["--model-name=a/b/c", "--model-version=1", "--model-path=x"]);
    expect(bad.stderr).toMatch(/^--model-name must be 1-63 letters/);
  });

  it("exits 1 naming the file when the model does not load", async () => {
    const res = await run([
      "--model-name=detector",
      "--model-version=1",
      `--model-path=${join(models.dir, "missing.onnx")}`,
      "--http-address=127.0.0.1:0",
    ]);
    expect(res.code).toBe(1);
    expect(res.stdout).toMatch(/"msg":"model failed to load".*missing\.onnx/);
  });

  it("stops cleanly on SIGTERM", async () => {
    expect(await runtime.stop()).toBe(0);
    expect(runtime.logs.map((l) => l.msg)).toEqual(["listening", "model loaded", "shutting down", "stopped"]);
  });
});
