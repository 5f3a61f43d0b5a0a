import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

export interface PulumiResult {
  readonly status: number | null;
  readonly output: string;
}

/**
 * Runs the real Pulumi CLI the way `tools/edgefleet pulumi` does: offline, file backend and
 * PULUMI_HOME under the given state dir, toolchain plugins on PATH.
 */
export function pulumi(args: readonly string[], opts: { cwd: string; stateDir: string; env?: NodeJS.ProcessEnv }): PulumiResult {
  const r = spawnSync("bash", ["-c", `. "${ROOT}/tools/pulumi-env.sh" && exec pulumi "$@"`, "pulumi", ...args, "--non-interactive"], {
    cwd: opts.cwd,
    env: { ...process.env, EDGEFLEET_STATE_DIR: opts.stateDir, PULUMI_HOME: undefined, PULUMI_BACKEND_URL: undefined, ...opts.env },
    encoding: "utf8",
    timeout: 300_000,
  });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}
