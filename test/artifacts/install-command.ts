import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { ArtifactSpec } from "@edgefleet/edge-agent";

const repoRoot = fileURLToPath(new URL("../..", import.meta.url));

/** A model version's EDGEFLEET_* environment, as the operator gives its runtime pods. */
export function podEnv(spec: ArtifactSpec, version: string, model = "vision/detector"): Record<string, string> {
  return {
    EDGEFLEET_MODEL: model,
    EDGEFLEET_MODEL_VERSION: version,
    EDGEFLEET_ARTIFACT_URI: spec.uri,
    EDGEFLEET_ARTIFACT_SHA256: spec.sha256,
    EDGEFLEET_ARTIFACT_SIZE_BYTES: String(spec.sizeBytes),
    EDGEFLEET_SIGNATURE_URI: spec.signature?.uri ?? "",
    EDGEFLEET_SIGNATURE_PUBLIC_KEY: spec.signature?.publicKeyPem ?? "",
  };
}

export interface InstallResult {
  code: number;
  /** Every JSON log line, in order. */
  lines: Record<string, unknown>[];
  last: Record<string, unknown>;
  out: string;
}

/** The install command with no flags but the cache (and `args`), as the verify-artifact init container runs it. */
export function runInstall(env: Record<string, string>, cacheDir: string, args: string[] = []): Promise<InstallResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ["--import", "tsx", "packages/edge-agent/src/artifacts/install-cli.ts", `--cache-dir=${cacheDir}`, ...args],
      { cwd: repoRoot, env: { PATH: process.env.PATH, ...env } },
      (err, stdout, stderr) => {
        const out = `${stdout}${stderr}`;
        const lines = out
          .split("\n")
          .filter((l) => l.startsWith("{"))
          .map((l) => JSON.parse(l) as Record<string, unknown>);
        const code = err ? Number((err as { code?: number }).code ?? 1) : 0;
        resolve({ code, lines, last: lines.at(-1) ?? {}, out });
      },
    );
  });
}
