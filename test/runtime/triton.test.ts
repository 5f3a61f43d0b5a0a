import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DEFAULT_RUNTIMES, LOAD_KEY_ENV, MODEL_REPOSITORY_DIR } from "@edgefleet/api";
import { freePort, loadToolchain } from "@edgefleet/tools";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLoader } from "./loader-process.js";
import { testModels } from "./runtime-process.js";

/*
 * The catalog's TensorRT runtime is NVIDIA's Triton under explicit model control, which the model
 * loader loads each model into. Triton with its TensorRT backend comes only as NVIDIA's container
 * images; the toolchain's tritonserver is the real server from PyPI's nvidia-pytriton, without
 * that backend (docs/images.md). So this runs the catalog's own flags and the loader's requests
 * against the real server, up to the point where loading an engine needs the TensorRT backend.
 */

const tritonserver = loadToolchain().bin("tritonserver");
const catalog = DEFAULT_RUNTIMES.find((r) => r.metadata.name === "tensorrt");
const KEY = "load-key-for-tests";
const models = testModels();
const repository = mkdtempSync(join(tmpdir(), "edgefleet-triton-repository-"));
let triton: ChildProcess;
let url: string;
let log = "";

/** The catalog's args as the pod runs them: the key expanded, the empty repository and free ports in place of the pod's. */
async function catalogArgs(): Promise<string[]> {
  const ports: Record<string, number> = {
    "--http-port": await freePort(),
    "--grpc-port": await freePort(),
    "--metrics-port": await freePort(),
  };
  url = `http://127.0.0.1:${ports["--http-port"]}`;
  return (catalog?.spec.args ?? []).map((arg) => {
    const [flag = ""] = arg.split("=");
    if (ports[flag] !== undefined) return `${flag}=${ports[flag]}`;
    return arg.replace(MODEL_REPOSITORY_DIR, repository).replace(`$(${LOAD_KEY_ENV})`, KEY);
  });
}

/**
 * The model loader of a TensorRT variant on the test's Triton. Its file is not an engine (a test
 * model's ONNX bytes): the request, not the file, is what these cases check.
 */
const engineLoader = (model: string, key = KEY) =>
  startLoader({ server: url, key, model, version: "1.0.0", path: models.path("detector"), format: "tensorrt" });

const status = async (path: string) => (await fetch(`${url}${path}`).catch(() => undefined))?.status;

beforeAll(async () => {
  expect(catalog?.spec.command).toEqual(["tritonserver"]);
  triton = spawn(tritonserver, await catalogArgs(), { stdio: ["ignore", "pipe", "pipe"] });
  for (const stream of [triton.stdout, triton.stderr]) stream?.on("data", (chunk: Buffer) => (log += chunk.toString()));
  const deadline = Date.now() + 60_000;
  while ((await status("/v2/health/ready")) !== 200) {
    if (triton.exitCode !== null || Date.now() > deadline) throw new Error(`tritonserver did not get ready:\n${log}`);
    await new Promise((r) => setTimeout(r, 200));
  }
});

afterAll(async () => {
  if (triton?.exitCode === null) {
    triton.kill("SIGTERM");
    await new Promise((r) => triton.once("exit", r));
  }
  rmSync(repository, { recursive: true, force: true });
  models.remove();
});

describe("the catalog's TensorRT runtime: NVIDIA Triton under explicit model control, loaded by the model loader", () => {
  it("starts on the catalog's flags and answers the probes the operator gives the server's pods", async () => {
    expect(await status("/v2/health/live")).toBe(200);
    expect(await status("/v2/health/ready")).toBe(200);
    const metadata = (await (await fetch(`${url}/v2`)).json()) as { name: string; extensions: string[] };
    expect(metadata.name).toBe("triton");
    expect(metadata.extensions).toContain("model_repository");
    expect(log).toContain("MODE_EXPLICIT");
    // What changes the server for every model on it takes the key too.
    expect(await status("/v2/logging")).toBe(403);
  });

  it("refuses a loader without the load key: the model repository API is restricted to it", async () => {
    const loader = await engineLoader("intruder", "wrong");
    expect(await loader.exited).toBe(1);
    const failure = loader.logs.find((l) => l.msg === "model failed to load");
    expect(String(failure?.error)).toMatch(/HTTP 403.*expecting header 'edgefleet-load-key'/);
    expect(log).not.toContain("intruder-");
  });

  it("takes the loader's load request for an engine (the file in the request), failing only for want of the TensorRT backend", async () => {
    const loader = await engineLoader("detector");
    const name = String(loader.logs.find((l) => l.msg === "listening")?.serverModel);
    expect(await loader.exited).toBe(1);
    const failure = String(loader.logs.find((l) => l.msg === "model failed to load")?.error);
    // Triton wrote the file as version 1 of the loader's name, took the platform from the config
    // parameter and looked for its backend: tensorrt_plan is served by the TensorRT backend.
    expect(failure).toContain(`HTTP 400): load failed for model '${name}': version 1 is at UNAVAILABLE state`);
    expect(failure).toContain("unable to find backend library for backend 'tensorrt'");
    expect(log).toContain(`loading: ${name}:1`);
    // One model that does not load leaves the server ready for the others (--strict-readiness=false).
    expect(await status("/v2/health/ready")).toBe(200);
    expect(await status(`/v2/models/${name}/versions/1/ready`)).toBe(400);
  });
});
