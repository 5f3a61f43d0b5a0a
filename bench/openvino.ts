// Benchmark of OpenVINO int8 against ONNX fp32 on this CPU, for the same model: p50/p95 of one
// inference of the detector test models (the tiny one and the slow one), through the runtimes'
// own engine interface (LoadedModel.run), one request at a time, all on the same threads:
// onnxruntime-node on the ONNX file (what the CPU runtime serves), and the real OpenVINO runtime
// (what the OpenVINO runtime serves) on the fp32 IR and on the int8 IR that NNCF quantizes from
// the same ONNX file. OpenVINO's figures include its worker's pipe round trip; the fp32 IR row
// tells the engine and that round trip apart from what int8 gains.
import { mkdtempSync, rmSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { byOipName, type LoadedModel, loadModel } from "@edgefleet/cpu-runtime";
import { buildIrArtifact, loadOpenVinoModel } from "@edgefleet/openvino-runtime";
import { IMAGE_SIZE, INPUT_NAME, writeModels } from "@edgefleet/test-models";
import { loadToolchain } from "@edgefleet/tools";
import { benchFlags, RESULT_FLAG } from "./flags.js";
import { benchResult, type Figure, writeResult } from "./result.js";

const values = await benchFlags({
  about: `Benchmarks OpenVINO int8 against ONNX fp32 on this CPU: p50/p95 of one inference of the detector
test models with onnxruntime on the ONNX file and with the real OpenVINO runtime (the toolchain's
venv-python) on the fp32 and int8 IR built from it (openvino.convert_model, NNCF).`,
  flags: {
    requests: { type: "integer", default: "2000", help: "inferences of each kind, over all rounds" },
    rounds: { type: "integer", default: "10", help: "rounds the kinds take turns in" },
    warmup: { type: "integer", min: 0, default: "200", help: "inferences of each kind before measuring" },
    threads: { type: "integer", default: "1", help: "inference threads of every engine" },
    result: RESULT_FLAG,
  },
});
const PER_ROUND = Math.ceil(values.requests / values.rounds);
const python = loadToolchain().bin("venv-python");
const FP32 = byOipName.get("FP32");
if (!FP32) throw new Error("no FP32 datatype");

const dir = mkdtempSync(join(tmpdir(), "edgefleet-bench-openvino-"));
const shape = [1, 3, IMAGE_SIZE, IMAGE_SIZE];
let seed = 7;
const pixels = Float32Array.from({ length: 3 * IMAGE_SIZE * IMAGE_SIZE }, () => {
  seed = (seed * 1103515245 + 12345) % 2 ** 31;
  return seed / 2 ** 31;
});
const feeds = { [INPUT_NAME]: { type: FP32, data: pixels, dims: shape } };

interface Case {
  model: string;
  engine: string;
  loaded: LoadedModel;
  times: number[];
}

const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
const round = (x: number) => Math.round(x * 1000) / 1000;

async function timed(n: number, model: LoadedModel, into: number[]): Promise<void> {
  for (let i = 0; i < n; i++) {
    const start = performance.now();
    await model.run(feeds);
    into.push(performance.now() - start);
  }
}

const loadBefore = loadavg();
const cases: Case[] = [];
try {
  for (const m of writeModels(dir)) {
    const onnx = join(dir, m.fileName);
    const common = { name: m.name, version: m.version, intraOpThreads: values.threads };
    cases.push({ model: m.name, engine: "onnxruntime, ONNX fp32", loaded: await loadModel({ ...common, path: onnx }), times: [] });
    for (const precision of ["fp32", "int8"] as const) {
      const ir = join(dir, `${m.name}-${precision}.tar`);
      await buildIrArtifact({ python, onnx, out: ir, precision });
      const loaded = await loadOpenVinoModel({ ...common, path: ir, python });
      cases.push({ model: m.name, engine: `OpenVINO, IR ${precision}`, loaded, times: [] });
    }
  }
  for (const c of cases) await timed(values.warmup, c.loaded, []);
  // Alternating rounds, so drift in the machine's load hits every case alike.
  for (let r = 0; r < values.rounds; r++) for (const c of cases) await timed(PER_ROUND, c.loaded, c.times);
  for (const c of cases) c.times.sort((a, b) => a - b);
  const ms = (x: number) => x.toFixed(3).padStart(8);
  console.log(`| ${"model".padEnd(13)} | ${"engine".padEnd(22)} | runs | p50 (ms) | p95 (ms) | p50 / ONNX fp32 |`);
  console.log(`| ${"-".repeat(13)} | ${"-".repeat(22)} | ---: | -------: | -------: | --------------: |`);
  const figures: Figure[] = [];
  for (const c of cases) {
    const base = quantile(cases.find((b) => b.model === c.model)?.times ?? [], 0.5);
    const [p50, p95] = [quantile(c.times, 0.5), quantile(c.times, 0.95)];
    console.log(
      `| ${c.model.padEnd(13)} | ${c.engine.padEnd(22)} | ${c.times.length} | ${ms(p50)} | ${ms(p95)} | ${`${(p50 / base).toFixed(2)}x`.padStart(15)} |`,
    );
    figures.push(
      { name: `${c.model}, ${c.engine}: p50`, value: round(p50), unit: "ms", better: "lower", noise: 0.3 },
      { name: `${c.model}, ${c.engine}: p95`, value: round(p95), unit: "ms", better: "lower", noise: 0.5 },
    );
  }
  writeResult(values.result, benchResult("openvino", loadBefore[0] ?? 0, figures));
  console.log(
    `\n${values.threads} thread(s); ${cpus().length} x ${cpus()[0]?.model}; load average before ${loadBefore[0]?.toFixed(2)}, after ${loadavg()[0]?.toFixed(2)}`,
  );
} finally {
  for (const c of cases) await c.loaded.release();
  rmSync(dir, { recursive: true, force: true });
}
