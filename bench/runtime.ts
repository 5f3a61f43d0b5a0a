// Benchmark of the CPU runtime's added latency: p50/p99 of a bare onnxruntime-node session.run on
// the detector test model against OIP v2 infer requests for the same input through the real runtime
// process (node:http keep-alive client, one request at a time), in the same run: JSON tensor data,
// and the binary tensor data extension. GET /v2/health/live gives the HTTP round trip's own floor.
// Request bodies are serialized once up front: the client's own encoding work is not the runtime's.
// Both sessions get the same --intra-op-threads.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { Agent, request } from "node:http";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { loadModel } from "@edgefleet/cpu-runtime";
import { IMAGE_SIZE, INPUT_NAME, writeModels } from "@edgefleet/test-models";
import { Tensor } from "onnxruntime-node";
import { benchFlags, RESULT_FLAG } from "./flags.js";
import { benchResult, type Figure, writeResult } from "./result.js";

const values = await benchFlags({
  about: `Benchmarks the CPU runtime's added latency: p50/p99 of OIP v2 infer requests (JSON and binary
tensor data) through the real runtime process against a bare onnxruntime-node session.run of the same
input, with GET /v2/health/live as the HTTP round trip's floor.`,
  flags: {
    requests: { type: "integer", default: "2000", help: "requests of each kind, over all rounds" },
    rounds: { type: "integer", default: "10", help: "rounds the kinds take turns in" },
    warmup: { type: "integer", min: 0, default: "300", help: "requests of each kind before measuring" },
    "intra-op-threads": {
      type: "integer",
      min: 0,
      default: "0",
      help: "onnxruntime's intra-op threads for both sessions; 0 is its default, one per core",
    },
    result: RESULT_FLAG,
  },
});
const PER_ROUND = Math.ceil(values.requests / values.rounds);
const ROUNDS = values.rounds;
const WARMUP = values.warmup;
const THREADS = values["intra-op-threads"];

const dir = mkdtempSync(join(tmpdir(), "edgefleet-bench-runtime-"));
const detector = writeModels(dir).find((m) => m.name === "detector");
if (!detector) throw new Error("no detector model");
const modelPath = join(dir, detector.fileName);

const shape = [1, 3, IMAGE_SIZE, IMAGE_SIZE];
// Pixels as float32 values, as a camera pipeline would send them (about 19 characters each in JSON).
let seed = 7;
const pixels = Float32Array.from({ length: 3 * IMAGE_SIZE * IMAGE_SIZE }, () => {
  seed = (seed * 1103515245 + 12345) % 2 ** 31;
  return seed / 2 ** 31;
});
const jsonBody = Buffer.from(JSON.stringify({ inputs: [{ name: INPUT_NAME, shape, datatype: "FP32", data: Array.from(pixels) }] }));
const binaryHeader = Buffer.from(
  JSON.stringify({ inputs: [{ name: INPUT_NAME, shape, datatype: "FP32", parameters: { binary_data_size: pixels.byteLength } }] }),
);
const binaryBody = Buffer.concat([binaryHeader, Buffer.from(pixels.buffer)]);

function startRuntime(): Promise<{ child: ChildProcess; address: string }> {
  const child = spawn(
    process.execPath,
    [
      "--import",
      "tsx",
      "packages/cpu-runtime/src/main.ts",
      "--model-name",
      "detector",
      "--model-version",
      detector?.version ?? "",
      "--model-path",
      modelPath,
      "--http-address",
      "127.0.0.1:0",
      "--intra-op-threads",
      String(THREADS),
    ],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  return new Promise((resolve, reject) => {
    let address = "";
    child.once("exit", (code) => reject(new Error(`runtime exited with ${code}`)));
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).on("line", (line) => {
      const log = JSON.parse(line) as { msg: string; address?: string };
      if (log.msg === "listening") address = log.address ?? "";
      if (log.msg === "model loaded") resolve({ child, address });
    });
  });
}

const agent = new Agent({ keepAlive: true, maxSockets: 1 });
interface Call {
  method: "GET" | "POST";
  path: string;
  body?: Buffer;
  headers?: Record<string, string | number>;
}

function call(address: string, { method, path, body, headers = {} }: Call): Promise<void> {
  const [host, port] = address.split(":");
  return new Promise((resolve, reject) => {
    const req = request(
      { host, port, agent, method, path, headers: { ...headers, ...(body ? { "Content-Length": body.length } : {}) } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          if (res.statusCode !== 200) reject(new Error(`${path}: ${res.statusCode} ${Buffer.concat(chunks)}`));
          else resolve();
        });
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

async function timed(n: number, fn: () => Promise<unknown>, into: number[]): Promise<void> {
  for (let i = 0; i < n; i++) {
    const start = performance.now();
    await fn();
    into.push(performance.now() - start);
  }
}

const round = (x: number) => Math.round(x * 1000) / 1000;
const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;

const loadBefore = loadavg();
const model = await loadModel({ name: "detector", version: detector.version, path: modelPath, intraOpThreads: THREADS });
const feeds = { [INPUT_NAME]: new Tensor("float32", pixels, shape) };
const { child, address } = await startRuntime();
const INFER = "/v2/models/detector/infer";
const cases: { name: string; bytes: number; run: () => Promise<unknown>; times: number[] }[] = [
  { name: "bare session.run (baseline)", bytes: 0, run: () => model.session.run(feeds), times: [] },
  { name: "GET /v2/health/live (HTTP floor)", bytes: 0, run: () => call(address, { method: "GET", path: "/v2/health/live" }), times: [] },
  {
    name: "infer, JSON tensor data",
    bytes: jsonBody.length,
    run: () => call(address, { method: "POST", path: INFER, body: jsonBody, headers: { "Content-Type": "application/json" } }),
    times: [],
  },
  {
    name: "infer, binary tensor data",
    bytes: binaryBody.length,
    run: () =>
      call(address, {
        method: "POST",
        path: INFER,
        body: binaryBody,
        headers: { "Content-Type": "application/octet-stream", "Inference-Header-Content-Length": binaryHeader.length },
      }),
    times: [],
  },
];
try {
  for (const c of cases) await timed(WARMUP, c.run, []);
  // Alternating rounds, so drift in the machine's load hits every case alike.
  for (let r = 0; r < ROUNDS; r++) for (const c of cases) await timed(PER_ROUND, c.run, c.times);
  for (const c of cases) c.times.sort((a, b) => a - b);
  const base = quantile(cases[0]?.times ?? [], 0.5);
  const ms = (x: number) => x.toFixed(3).padStart(8);
  console.log(`| ${"path".padEnd(32)} | body bytes | requests | p50 (ms) | p99 (ms) | added p50 (ms) | p50 / baseline |`);
  console.log(`| ${"-".repeat(32)} | ---------: | -------: | -------: | -------: | -------------: | -------------: |`);
  for (const c of cases) {
    const p50 = quantile(c.times, 0.5);
    console.log(
      `| ${c.name.padEnd(32)} | ${String(c.bytes).padStart(10)} | ${String(c.times.length).padStart(8)} | ${ms(p50)} | ${ms(quantile(c.times, 0.99))} | ${ms(p50 - base).padStart(14)} | ${`${(p50 / base).toFixed(1)}x`.padStart(14)} |`,
    );
  }
  writeResult(
    values.result,
    benchResult(
      "runtime",
      loadBefore[0] ?? 0,
      cases.slice(1).flatMap((c): Figure[] => {
        const p50 = quantile(c.times, 0.5);
        return [
          { name: `${c.name}: added p50`, value: round(p50 - base), unit: "ms", better: "lower", noise: 0.3 },
          { name: `${c.name}: p99`, value: round(quantile(c.times, 0.99)), unit: "ms", better: "lower", noise: 0.5 },
        ];
      }),
    ),
  );
  console.log(
    `\ntarget: added p50 <= 0.100 ms; ${cpus().length} x ${cpus()[0]?.model}; load average before ${loadBefore[0]?.toFixed(2)}, after ${loadavg()[0]?.toFixed(2)}`,
  );
} finally {
  agent.destroy();
  child.kill("SIGTERM");
  await model.session.release();
  rmSync(dir, { recursive: true, force: true });
}
