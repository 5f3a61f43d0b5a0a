import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { BuildResult } from "@edgefleet/tools";
import { expect } from "vitest";

// `--import tsx` resolves from the working directory, so run where node_modules is.
const ROOT = fileURLToPath(new URL("../..", import.meta.url));
export const MODEL_CLI = join(ROOT, "tools/src/model-build/cli.ts");

/** A TypeScript program of the repository, run as its users run it. */
export function runScript(
  script: string,
  args: string[],
  env: Record<string, string> = process.env as Record<string, string>,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) =>
    execFile(process.execPath, ["--import", "tsx", script, ...args], { cwd: ROOT, env }, (err, stdout, stderr) =>
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    ),
  );
}

/** The digits example written to dir and built for targets into dir/builds; its build-result.json. */
export async function buildDigits(dir: string, targets: string): Promise<BuildResult> {
  const made = await runScript(MODEL_CLI, ["example", "--out", dir]);
  expect(made.code, made.stderr).toBe(0);
  const data = (f: string) => join(dir, f);
  const built = await runScript(MODEL_CLI, [
    "build",
    ...["--model", data("digits-mlp.onnx"), "--calibration", data("digits-calibration.npz")],
    ...["--evaluation", data("digits-evaluation.npz"), "--out", data("builds"), "--targets", targets],
  ]);
  expect(built.code, built.stderr).toBe(0);
  return JSON.parse(readFileSync(data("builds/build-result.json"), "utf8"));
}
