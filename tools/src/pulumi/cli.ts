import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../../..", import.meta.url));

export interface PulumiResult {
  readonly status: number | null;
  readonly output: string;
}

export interface PulumiRunOptions {
  /** Where Pulumi.yaml is (default: the repository root). */
  readonly cwd?: string;
  /** The local platform's state directory, holding Pulumi's home and file backend (default: tools/pulumi-env.sh's). */
  readonly stateDir?: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly timeoutMs?: number;
  /** Standard input (`pulumi config set --secret KEY` reads a value that starts with '-' from it). */
  readonly input?: string;
}

/**
 * Runs the real Pulumi CLI the way `tools/edgefleet pulumi` does: offline, file backend and
 * PULUMI_HOME under the state dir, the toolchain's plugins on PATH (tools/pulumi-env.sh).
 */
export function runPulumi(args: readonly string[], opts: PulumiRunOptions = {}): PulumiResult {
  const r = spawnSync("bash", ["-c", `. "${ROOT}/tools/pulumi-env.sh" && exec pulumi "$@"`, "pulumi", ...args, "--non-interactive"], {
    cwd: opts.cwd ?? ROOT,
    env: {
      ...process.env,
      ...(opts.stateDir ? { EDGEFLEET_STATE_DIR: opts.stateDir, PULUMI_HOME: undefined, PULUMI_BACKEND_URL: undefined } : {}),
      ...opts.env,
    },
    encoding: "utf8",
    timeout: opts.timeoutMs ?? 600_000,
    ...(opts.input === undefined ? {} : { input: opts.input }),
  });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}
