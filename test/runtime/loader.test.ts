import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { IMAGE_SIZE, INPUT_NAME } from "@edgefleet/test-models";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LoaderProcess, startLoader as startLoaderProcess } from "./loader-process.js";
import { call } from "./oip.js";
import { type RuntimeProcess, startRuntime, testModels } from "./runtime-process.js";

const models = testModels();
const KEY = "load-key-for-tests";
const SHAPE = [1, 3, IMAGE_SIZE, IMAGE_SIZE];
const body = { inputs: [{ name: INPUT_NAME, shape: SHAPE, datatype: "FP32", data: new Array(3 * IMAGE_SIZE * IMAGE_SIZE).fill(0.5) }] };
let server: RuntimeProcess;
const loaders: Loader[] = [];

type Loader = LoaderProcess;

/** Starts the loader for a test model (or a file by its path) on the test's server. */
async function startLoader(model: string, version: string, file: string, env: Record<string, string> = {}): Promise<Loader> {
  const path = file.startsWith("/") ? file : models.path(file);
  const loader = await startLoaderProcess({ server: server.url, key: KEY, model, version, path, env });
  loaders.push(loader);
  return loader;
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
const ready = (l: Loader) => until("the loader to be ready", async () => (await fetch(`${l.url}/v2/health/ready`)).ok);
const infer = (l: Loader, name: string, version?: string) =>
  call(`${l.url}/v2/models/${name}${version ? `/versions/${version}` : ""}/infer`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });
const serverIndex = async () =>
  (await call(`${server.url}/v2/repository/index`, { method: "POST", headers: { "edgefleet-load-key": KEY } })).body as unknown as {
    name: string;
  }[];

beforeAll(async () => {
  server = await startRuntime(["--model-control-mode=explicit", `--http-restricted-api=model-repository:edgefleet-load-key=${KEY}`]);
});

afterAll(async () => {
  await Promise.all(loaders.map((l) => (l.child.exitCode === null ? l.stop() : undefined)));
  if (server.child.exitCode === null) await server.stop();
  models.remove();
});

describe("model loader: models of several pods in one runtime process", () => {
  it("loads each pod's model into the shared server and serves it as a runtime of its own would", async () => {
    const detector = await startLoader("detector", "1.0.0", "detector");
    const classifier = await startLoader("classifier", "2.1.0", "detector-slow");
    await Promise.all([ready(detector), ready(classifier)]);
    expect((await serverIndex()).map((m) => m.name)).toEqual([
      expect.stringMatching(/^classifier-[0-9a-f]{16}$/),
      expect.stringMatching(/^detector-[0-9a-f]{16}$/),
    ]);
    expect((await infer(detector, "detector")).status).toBe(200);
    expect((await infer(detector, "detector", "1.0.0")).status).toBe(200);
    expect((await infer(classifier, "classifier", "2.1.0")).status).toBe(200);
    // Each pod reaches its own model only.
    expect((await infer(detector, "classifier")).body.error).toMatch(/model "classifier" not found; this pod serves "detector"/);
    expect((await infer(detector, "detector", "9.9.9")).status).toBe(404);
    expect((await call(`${detector.url}/v2/models/detector/versions/1.0.0/ready`)).status).toBe(200);
    // Its metrics are the server's series of its model, labelled as the edge agent reads them.
    const metrics = await (await fetch(`${detector.url}/metrics`)).text();
    expect(metrics).toContain('edgefleet_runtime_inference_requests_total{model="detector",version="1.0.0",result="success"} 2');
    expect(metrics).not.toContain("classifier");
  });

  it("rolls one model to a new version, old and new pods overlapping, while the server and the other model serve on", async () => {
    const [detector, classifier] = loaders as [Loader, Loader];
    const next = await startLoader("detector", "1.1.0", "detector-slow");
    await ready(next);
    expect(await detector.stop()).toBe(0);
    expect(detector.logs.map((l) => l.msg)).toContain("model unloaded from the server");
    expect((await infer(next, "detector", "1.1.0")).status).toBe(200);
    expect((await infer(classifier, "classifier")).status).toBe(200);
    expect((await serverIndex()).length).toBe(2);
    expect(server.child.exitCode).toBeNull();
  });

  it("loads its model again when the server lost it", async () => {
    const classifier = loaders[1] as Loader;
    const [entry] = (await serverIndex()).filter((m) => m.name.startsWith("classifier-"));
    await call(`${server.url}/v2/repository/models/${entry?.name}/unload`, { method: "POST", headers: { "edgefleet-load-key": KEY } });
    await until("the classifier to be loaded again", async () => (await serverIndex()).some((m) => m.name === entry?.name));
    await ready(classifier);
    expect(classifier.logs.map((l) => l.msg)).toContain("the server no longer has the model; loading it again");
  });

  it("exits 1 when the server refuses the load for good: a wrong key, a file it cannot load", async () => {
    const wrongKey = await startLoader("detector", "3.0.0", "detector", { EDGEFLEET_LOAD_KEY: "wrong" });
    expect(await wrongKey.exited).toBe(1);
    expect(JSON.stringify(wrongKey.logs)).toMatch(/the server refused to load model vision\/detector version 3.0.0 \(HTTP 403\)/);
    const junk = join(models.dir, "junk.onnx");
    writeFileSync(junk, "not a model");
    const loader = await startLoader("junk", "1.0.0", junk);
    expect(await loader.exited).toBe(1);
    expect(JSON.stringify(loader.logs)).toMatch(/the server refused to load model vision\/junk version 1.0.0 \(HTTP 400\): load of model/);
  });

  it("refuses a file that no longer hashes to its verified sha256, before sending anything", async () => {
    const loader = startLoader("detector", "1.0.0", "detector", { EDGEFLEET_ARTIFACT_SHA256: "0".repeat(64) });
    await expect(loader).rejects.toThrow(/exited with 1: .*changed after it was verified/);
  });
});
