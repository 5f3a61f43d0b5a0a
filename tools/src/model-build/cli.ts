#!/usr/bin/env -S node --import tsx
import { createHash } from "node:crypto";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, extname, join, resolve } from "node:path";
import { command, optionsOrExitCode, readFlagFile } from "@edgefleet/kit";
import { TFLITE_WORKER } from "@edgefleet/tflite-runtime";
import { subcommands } from "../subcommands.js";
import { job } from "./job.js";
import { publish } from "./publish.js";
import { buildPy, checkTools } from "./python.js";
import { type BuildResult, gate, parseMeasurements, resultTable, SOURCE_TARGET, TARGETS, type Target, targetFileName } from "./result.js";

const BUILD = command({
  usage: "tools/edgefleet model build --model MODEL.onnx --calibration DATA.npz --evaluation DATA.npz --out DIR [--targets LIST]",
  about: `Builds an ONNX model for the edge (docs/model-builds.md): onnx-fp32 is the source as it is,
onnx-int8-dynamic and onnx-int8-static ONNX Runtime's quantizers (static calibrated on --calibration),
onnx-fp16 onnxconverter-common's converter; openvino-fp16 and openvino-int8 OpenVINO's converter
(int8: NNCF's quantizer, calibrated on --calibration), as the OpenVINO runtime's IR artifact;
tflite-fp32 and tflite-int8 onnx2tf's converter then TensorFlow's TFLite converter (int8: its
post-training quantizer, calibrated on --calibration). Measures each on this CPU with the runtime
that serves it (ONNX Runtime, OpenVINO, LiteRT's interpreter): size, accuracy
on --evaluation and its drop against the source, p50/p95 latency of one inference. A target that
loses more than --max-accuracy-drop points is refused and not written; the rest are written to DIR
as MODEL-fp32.onnx, MODEL-int8-static.onnx, MODEL-openvino-int8.tar, MODEL-tflite-int8.tflite and so on. Prints a table (or --json),
writes DIR/build-result.json and a copy of --evaluation (which model publish pushes for devices to score), and exits 1 when a target was refused. Data files are NumPy .npz: inputs (samples along the first axis)
and, for evaluation, labels. Try it: tools/edgefleet model example --out DIR.`,
  flags: {
    model: { type: "string", arg: "MODEL.onnx", required: true, help: "the source model (float32 ONNX)" },
    calibration: {
      type: "string",
      arg: "DATA.npz",
      required: true,
      help: "samples to calibrate onnx-int8-static's, openvino-int8's and tflite-int8's activation ranges on, as the model sees them serving",
    },
    evaluation: { type: "string", arg: "DATA.npz", required: true, help: "samples and labels to measure accuracy and latency on" },
    out: { type: "string", arg: "DIR", required: true, help: "where to write the builds and build-result.json" },
    targets: { type: "list", of: TARGETS, default: TARGETS.join(","), help: "what to build" },
    "max-accuracy-drop": {
      type: "number",
      arg: "POINTS",
      default: "1",
      help: "refuse a target whose accuracy is more than this many percentage points below the source's",
    },
    threads: {
      type: "integer",
      default: "1",
      help: "ONNX Runtime's intra-op (OpenVINO's inference, LiteRT's interpreter) threads for the measurements",
    },
    json: { type: "switch", help: "print the result as JSON instead of the table" },
  },
});

const EXAMPLE = command({
  usage: "tools/edgefleet model example --out DIR",
  about: `Writes an example to build: a small MLP (64-256-128-10) trained on scikit-learn's digits data
set (8x8 images of handwritten digits) and exported with skl2onnx (its class scores: the label lookup
skl2onnx adds has no OpenVINO conversion), as DIR/digits-mlp.onnx, with
DIR/digits-calibration.npz (179 images) and DIR/digits-evaluation.npz (540 images and labels), none
of which it was trained on. Then: tools/edgefleet model build --model DIR/digits-mlp.onnx
--calibration DIR/digits-calibration.npz --evaluation DIR/digits-evaluation.npz --out DIR/builds`,
  flags: { out: { type: "string", arg: "DIR", required: true, help: "where to write them" } },
});

const USAGE = `Usage: tools/edgefleet model <command> (--help for each)

  build     quantize or convert an ONNX model to onnx-int8-dynamic, onnx-int8-static, onnx-fp16,
            openvino-fp16, openvino-int8, tflite-fp32, tflite-int8, measure size, accuracy and latency, refuse builds
            that lose accuracy
  publish   sign and push what build wrote, re-sign the variants it keeps, and write (--apply:
            apply) the EdgeModel's new version of it
  example   write the digits MLP and its calibration and evaluation data to try build on
  job       run one EdgeModelBuild as the operator's build Job does: fetch, build, summarize`;

async function build(argv: string[]): Promise<number> {
  const o = await optionsOrExitCode(BUILD.help, () =>
    BUILD.parse(argv, (v) => {
      for (const flag of ["model", "calibration", "evaluation"] as const) readFlagFile(flag, v[flag]);
      return v;
    }),
  );
  if (typeof o === "number") return o;
  const requested: Target[] = o.targets;
  await checkTools(requested);
  const stem = basename(o.model, extname(o.model));
  const work = mkdtempSync(join(tmpdir(), "edgefleet-model-build-"));
  try {
    // The source is always measured: it is what the others' accuracy drop is against.
    const measured = [SOURCE_TARGET, ...requested.filter((t) => t !== SOURCE_TARGET)];
    const measurements = parseMeasurements(
      await buildPy([
        "build",
        "--model",
        o.model,
        "--calibration",
        o.calibration,
        "--evaluation",
        o.evaluation,
        "--targets",
        measured.join(","),
        "--work",
        work,
        "--threads",
        String(o.threads),
        "--tflite-worker",
        TFLITE_WORKER,
      ]),
    );
    const output = (t: Target) => join(o.out, targetFileName(stem, t));
    const evaluation = { dataset: basename(o.evaluation), sha256: createHash("sha256").update(readFileSync(o.evaluation)).digest("hex") };
    const result: BuildResult = { model: o.model, evaluation, ...gate(measurements, requested, o["max-accuracy-drop"], output) };
    mkdirSync(o.out, { recursive: true });
    // Beside the builds, so model publish can push it for devices to score the variants on.
    const kept = join(o.out, evaluation.dataset);
    if (resolve(o.evaluation) !== resolve(kept)) copyFileSync(o.evaluation, kept);
    for (const t of result.targets) {
      const scratch = measurements.targets.find((m) => m.target === t.target)?.file;
      if (t.file && scratch) copyFileSync(scratch, t.file);
    }
    writeFileSync(join(o.out, "build-result.json"), `${JSON.stringify(result, null, 2)}\n`);
    process.stdout.write(o.json ? `${JSON.stringify(result, null, 2)}\n` : resultTable(result));
    const refused = result.targets.filter((t) => t.verdict === "refused").map((t) => t.target);
    if (refused.length === 0) return 0;
    console.error(`model build: refused ${refused.join(", ")} (accuracy gate); the others are in ${o.out}`);
    return 1;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

async function example(argv: string[]): Promise<number> {
  const o = await optionsOrExitCode(EXAMPLE.help, () => EXAMPLE.parse(argv, (v) => v));
  if (typeof o === "number") return o;
  const files = JSON.parse(await buildPy(["example", "--out", o.out])) as Record<string, string>;
  for (const [what, file] of Object.entries(files)) console.log(`${what}: ${file}`);
  return 0;
}

process.exitCode = await subcommands("model", USAGE, { build, publish, example, job }, process.argv.slice(2));
