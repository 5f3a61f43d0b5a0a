import { readFileSync } from "node:fs";
import { IMAGE_SIZE, INPUT_NAME, OUTPUT_NAME } from "@edgefleet/test-models";
import { InferenceSession, Tensor } from "onnxruntime-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call } from "./oip.js";
import { type RuntimeProcess, startRuntime, testModels } from "./runtime-process.js";

const models = testModels();
const KEY = { "edgefleet-load-key": "s3cret-key" };
const SHAPE = [1, 3, IMAGE_SIZE, IMAGE_SIZE];
const pixels = Float32Array.from({ length: 3 * IMAGE_SIZE * IMAGE_SIZE }, (_, i) => ((i * 7919) % 1000) / 1000);
let runtime: RuntimeProcess;

const post = (path: string, body: unknown, headers: Record<string, string> = KEY) =>
  call(`${runtime.url}${path}`, {
    method: "POST",
    headers: { "Content-Type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
const loadBody = (file: string, version = 1, config: Record<string, unknown> = { platform: "onnxruntime_onnx" }) => ({
  parameters: { config: JSON.stringify(config), [`file:${version}/model.onnx`]: readFileSync(models.path(file)).toString("base64") },
});
const load = (name: string, file: string, version = 1) => post(`/v2/repository/models/${name}/load`, loadBody(file, version));
const infer = (name: string) =>
  post(`/v2/models/${name}/infer`, { inputs: [{ name: INPUT_NAME, shape: SHAPE, datatype: "FP32", data: Array.from(pixels) }] }, {});
const index = async () => (await call(`${runtime.url}/v2/repository/index`, { method: "POST", headers: KEY })).body as unknown;

async function expected(file: string): Promise<number[]> {
  const session = await InferenceSession.create(models.path(file));
  const out = await session.run({ [INPUT_NAME]: new Tensor("float32", pixels, SHAPE) });
  await session.release();
  return Array.from(out[OUTPUT_NAME]?.data as Float32Array);
}

beforeAll(async () => {
  runtime = await startRuntime(["--model-control-mode=explicit", "--http-restricted-api=model-repository:edgefleet-load-key=s3cret-key"]);
});

afterAll(async () => {
  if (runtime.child.exitCode === null) await runtime.stop();
  models.remove();
});

describe("CPU runtime under explicit model control", () => {
  it("starts ready with no model, says it has the model repository extension, and refuses loads without the header", async () => {
    expect(await call(`${runtime.url}/v2/health/ready`)).toEqual({ status: 200, body: { ready: true } });
    expect((await call(`${runtime.url}/v2`)).body.extensions).toEqual(["model_repository"]);
    const refused = await post("/v2/repository/models/detector/load", loadBody("detector"), { "edgefleet-load-key": "wrong" });
    expect(refused.status).toBe(403);
    expect(refused.body.error).toMatch(/send the header "edgefleet-load-key"/);
    expect((await call(`${runtime.url}/v2/repository/index`, { method: "POST" })).status).toBe(403);
    expect(await index()).toEqual([]);
    const missing = await infer("detector");
    expect(missing.status).toBe(404);
    expect(missing.body.error).toMatch(/model "detector" is not loaded \(loaded: none\); load it with POST/);
  });

  it("loads two models sent in load requests and serves both from one process", async () => {
    expect(await load("detector", "detector")).toEqual({ status: 200, body: {} });
    expect(await load("classifier", "detector-slow")).toEqual({ status: 200, body: {} });
    expect(await index()).toEqual([
      { name: "classifier", version: "1", state: "READY" },
      { name: "detector", version: "1", state: "READY" },
    ]);
    const detector = await infer("detector");
    expect(detector.status).toBe(200);
    expect(detector.body).toMatchObject({ model_name: "detector", model_version: "1" });
    const [out] = detector.body.outputs as { data: number[] }[];
    const want = await expected("detector");
    for (const [i, v] of (out?.data ?? []).entries()) expect(v).toBeCloseTo(want[i] ?? Number.NaN, 5);
    expect((await infer("classifier")).status).toBe(200);
    expect((await call(`${runtime.url}/v2/models/classifier/versions/1/ready`)).status).toBe(200);
    const metrics = await (await fetch(`${runtime.url}/metrics`)).text();
    expect(metrics).toContain('edgefleet_runtime_inference_requests_total{model="detector",version="1",result="success"} 1');
    expect(metrics).toContain('edgefleet_runtime_inference_requests_total{model="classifier",version="1",result="success"} 1');
  });

  it("reloads one model as a new version while the other serves on, and drops the old version's series", async () => {
    let serving = true;
    const failures: number[] = [];
    const traffic = (async () => {
      while (serving) {
        const r = await infer("classifier");
        if (r.status !== 200) failures.push(r.status);
      }
    })();
    const reloaded = await load("detector", "detector-slow", 2).finally(() => {
      serving = false;
    });
    await traffic;
    expect(reloaded).toEqual({ status: 200, body: {} });
    expect(failures).toEqual([]);
    expect(await index()).toContainEqual({ name: "detector", version: "2", state: "READY" });
    expect((await infer("detector")).body).toMatchObject({ model_version: "2" });
    expect((await call(`${runtime.url}/v2/models/detector/versions/1`)).status).toBe(404);
    const metrics = await (await fetch(`${runtime.url}/metrics`)).text();
    expect(metrics).not.toContain('model="detector",version="1"');
    expect(metrics).toContain('edgefleet_runtime_inference_requests_total{model="detector",version="2",result="success"} 1');
  });

  it("refuses a load it cannot act on, naming the parameter, and lists a model that failed to load", async () => {
    const cases: [unknown, RegExp][] = [
      [{}, /"parameters" is required/],
      [{ parameters: { config: "{}" } }, /no file: parameter; send "file:1\/model.onnx"/],
      [{ parameters: { ...loadBody("detector").parameters, extra: "x" } }, /unknown parameter "extra"/],
      [loadBody("detector", 1, { platform: "tensorrt_plan" }), /config.platform "tensorrt_plan" is not served here/],
      [{ parameters: { "file:1/model.onnx": "AAAA" } }, /"config" is required with a file: parameter/],
      [{ parameters: { config: "{}", "file:1/model.plan": "AAAA" } }, /names model.plan; this runtime loads model.onnx/],
    ];
    for (const [body, error] of cases) {
      const r = await post("/v2/repository/models/broken/load", body);
      expect(r.status, JSON.stringify(body).slice(0, 80)).toBe(400);
      expect(r.body.error).toMatch(error);
    }
    const garbage = await post("/v2/repository/models/broken/load", {
      parameters: { config: "{}", "file:1/model.onnx": Buffer.from("not a model").toString("base64") },
    });
    expect(garbage.status).toBe(400);
    expect(garbage.body.error).toMatch(/load of model "broken" version "1" failed: /);
    expect(await index()).toContainEqual(expect.objectContaining({ name: "broken", state: "UNAVAILABLE" }));
    const r = await infer("broken");
    expect(r.status).toBe(503);
    expect(r.body.error).toMatch(/failed to load/);
    // A failed reload leaves the version serving as it was.
    const again = await post("/v2/repository/models/detector/load", {
      parameters: { config: "{}", "file:3/model.onnx": Buffer.from("not a model").toString("base64") },
    });
    expect(again.status).toBe(400);
    expect((await infer("detector")).body).toMatchObject({ model_version: "2" });
  });

  it("unloads a model, whose name then answers 404, while the others serve", async () => {
    expect(await post("/v2/repository/models/detector/unload", {})).toEqual({ status: 200, body: {} });
    expect(await post("/v2/repository/models/broken/unload", {})).toEqual({ status: 200, body: {} });
    const gone = await infer("detector");
    expect(gone.status).toBe(404);
    expect(gone.body.error).toMatch(/\(loaded: classifier\)/);
    expect((await infer("classifier")).status).toBe(200);
    expect(await post("/v2/repository/index", { ready: true })).toEqual({
      status: 200,
      body: [{ name: "classifier", version: "1", state: "READY" }],
    });
    expect(await runtime.stop()).toBe(0);
  });
});
