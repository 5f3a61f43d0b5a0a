import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { useTempDirs } from "@edgefleet/kit";
import { type BuildResult, loadToolchain, type TargetResult } from "@edgefleet/tools";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

/*
 * The real model build (tools/edgefleet model build) on the digits MLP its example command trains:
 * ONNX Runtime's quantizers and onnxconverter-common on the toolchain's Python tools venv, measured
 * with ONNX Runtime on this CPU, and its accuracy gate.
 */

// `--import tsx` resolves from the working directory, so run where node_modules is.
const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const CLI = join(ROOT, "tools/src/model-build/cli.ts");
const tempDir = useTempDirs("model-build");
let example: string;

function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile("node", ["--import", "tsx", CLI, ...args], { cwd: ROOT }, (err, stdout, stderr) =>
      resolve({ code: err ? Number(err.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

const build = (out: string, calibration: string, ...more: string[]) =>
  run([
    "build",
    "--model",
    join(example, "digits-mlp.onnx"),
    "--calibration",
    calibration,
    "--evaluation",
    join(example, "digits-evaluation.npz"),
    "--out",
    out,
    ...more,
  ]);
const resultIn = (out: string): BuildResult => JSON.parse(readFileSync(join(out, "build-result.json"), "utf8"));
const target = (r: BuildResult, name: TargetResult["target"]) => r.targets.find((t) => t.target === name);

// The example model and data, made once for every test here (tempDir's go after each test).
beforeAll(async () => {
  example = mkdtempSync(join(tmpdir(), "edgefleet-model-build-example-"));
  const made = await run(["example", "--out", example]);
  expect(made.code, made.stderr).toBe(0);
});
afterAll(() => rmSync(example, { recursive: true, force: true }));

describe("model build on the digits MLP", () => {
  it("builds every target, int8 static at most a third of the source's size, each within a point of its accuracy", async () => {
    const out = tempDir();
    const built = await build(out, join(example, "digits-calibration.npz"));
    expect(built.code, built.stderr).toBe(0);
    expect(built.stderr).toContain("model build: onnx-int8-static: measuring on 540 evaluation samples");
    const result = resultIn(out);
    expect(built.stdout).toContain("TARGET");
    expect(result.targets.map((t) => [t.target, t.verdict])).toEqual([
      ["onnx-fp32", "written"],
      ["onnx-int8-dynamic", "written"],
      ["onnx-int8-static", "written"],
      ["onnx-fp16", "written"],
    ]);
    const source = target(result, "onnx-fp32");
    // The MLP classifies the held-out digits well: a drop below is a loss of the build, not of the model.
    expect(source?.accuracyPercent).toBeGreaterThan(95);
    for (const t of result.targets) {
      expect(t.evaluationSamples).toBe(540);
      expect(Math.abs(t.accuracyDropPoints)).toBeLessThanOrEqual(1);
      expect(t.latencyMs.p50).toBeGreaterThan(0);
      expect(t.latencyMs.p95).toBeGreaterThanOrEqual(t.latencyMs.p50);
      expect(readFileSync(t.file ?? "").length).toBe(t.sizeBytes);
    }
    // int8 weights are a quarter of float32's; scales, zero points, int32 biases and the graph add the rest.
    expect(target(result, "onnx-int8-static")?.sizeRatio).toBeLessThanOrEqual(1 / 3);
    expect(target(result, "onnx-int8-dynamic")?.sizeRatio).toBeLessThanOrEqual(1 / 3);
    expect(target(result, "onnx-fp16")?.sizeRatio).toBeLessThan(0.7);
  });

  it("refuses an int8 static build calibrated on constant zeros, with the numbers, and writes nothing of it", async () => {
    // Zeros as calibration: every activation range is what the biases alone give, so real digits
    // saturate the int8 activations (about 31 points lost on this model).
    const zeros = join(tempDir(), "zeros.npz");
    const script = "import sys, numpy as np; d = np.load(sys.argv[1]); np.savez(sys.argv[2], inputs=np.zeros_like(d['inputs']))";
    await new Promise<void>((resolve, reject) =>
      execFile(loadToolchain().bin("venv-python"), ["-c", script, join(example, "digits-calibration.npz"), zeros], (err) =>
        err ? reject(err) : resolve(),
      ),
    );
    const out = tempDir();
    const built = await build(out, zeros, "--targets", "onnx-int8-static");
    expect(built.code).toBe(1);
    expect(built.stderr).toContain("model build: refused onnx-int8-static (accuracy gate)");
    const refused = target(resultIn(out), "onnx-int8-static");
    expect(refused?.verdict).toBe("refused");
    expect(refused?.accuracyDropPoints).toBeGreaterThan(10);
    expect(refused?.reason).toMatch(/points below the source's .*, more than --max-accuracy-drop 1$/);
    expect(built.stdout).toMatch(/onnx-int8-static .* REFUSED/);
    expect(existsSync(join(out, "digits-mlp-int8-static.onnx"))).toBe(false);
  });
});
