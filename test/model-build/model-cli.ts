import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type EdgeModel, type ModelVariant, SIGNATURE_SCOPED_ONLY_ENV } from "@edgefleet/api";
import { EVALUATION_ENV } from "@edgefleet/telemetry";
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

/**
 * The install command as the verify-artifact init container runs it for one variant of a model
 * (as another variant, with as): size, digest and its v2 signature (namespace, model, variant, version).
 */
export const installVariant = (o: {
  cacheDir: string;
  model: EdgeModel;
  variant: ModelVariant;
  as?: string;
  publicKeyPem: string;
  ca: string;
  authFile: string;
}) =>
  runScript("packages/edge-agent/src/artifacts/install-cli.ts", [`--cache-dir=${o.cacheDir}`], {
    PATH: process.env.PATH ?? "",
    EDGEFLEET_MODEL: `${o.model.metadata?.namespace}/${o.model.metadata?.name}`,
    EDGEFLEET_MODEL_VERSION: o.model.spec.version,
    EDGEFLEET_VARIANT: o.as ?? o.variant.name,
    EDGEFLEET_ARTIFACT_URI: o.variant.artifact.uri,
    EDGEFLEET_ARTIFACT_SHA256: o.variant.artifact.sha256,
    EDGEFLEET_ARTIFACT_SIZE_BYTES: String(o.variant.artifact.sizeBytes),
    EDGEFLEET_SIGNATURE_URI: o.variant.artifact.signature?.uri ?? "",
    EDGEFLEET_SIGNATURE_PUBLIC_KEY: o.publicKeyPem,
    [SIGNATURE_SCOPED_ONLY_ENV]: "true",
    EDGEFLEET_ARTIFACT_CA_BUNDLE: o.ca,
    EDGEFLEET_REGISTRY_AUTH_FILE: o.authFile,
    ...evaluationEnv(o.variant),
  });

/** The variant's evaluation data, as the operator names it to the init container (planner/model-env.ts). */
function evaluationEnv(variant: ModelVariant): Record<string, string> {
  const evaluation = variant.profile?.accuracy?.evaluation;
  return evaluation?.uri && evaluation.sha256 ? { [EVALUATION_ENV.uri]: evaluation.uri, [EVALUATION_ENV.sha256]: evaluation.sha256 } : {};
}
