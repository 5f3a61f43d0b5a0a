import { spawn } from "node:child_process";
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";

/**
 * A background process of the local platform that outlives the CLI that started it (like
 * kwokctl's components): its pid is kept in a file, its output appended to a log file.
 */
export interface Daemon {
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly env?: NodeJS.ProcessEnv;
  readonly logFile: string;
  readonly pidFile: string;
}

/** The daemon's pid while its process runs the daemon's command; undefined otherwise. */
export function daemonPid(d: Daemon): number | undefined {
  if (!existsSync(d.pidFile)) return undefined;
  const pid = Number(readFileSync(d.pidFile, "utf8").trim());
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  try {
    // A pid reused by another program after a reboot is not ours.
    const argv0 = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0")[0] ?? "";
    return argv0 === d.command ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** Starts the daemon unless it runs already; resolves to its pid. */
export function startDaemon(d: Daemon): number {
  const running = daemonPid(d);
  if (running) return running;
  mkdirSync(dirname(d.logFile), { recursive: true });
  mkdirSync(dirname(d.pidFile), { recursive: true });
  const log = openSync(d.logFile, "a");
  try {
    const child = spawn(d.command, d.args, { detached: true, env: d.env ?? process.env, stdio: ["ignore", log, log] });
    if (child.pid === undefined) throw new Error(`could not start ${d.name} (${d.command}); see ${d.logFile}`);
    child.unref();
    writeFileSync(d.pidFile, `${child.pid}\n`);
    return child.pid;
  } finally {
    closeSync(log);
  }
}

/** Sends SIGTERM, then SIGKILL after `timeoutMs`; resolves once the process is gone. */
export async function stopDaemon(d: Daemon, timeoutMs = 15_000): Promise<void> {
  const pid = daemonPid(d);
  if (pid) {
    process.kill(pid, "SIGTERM");
    const deadline = Date.now() + timeoutMs;
    while (daemonPid(d)) {
      if (Date.now() > deadline) {
        process.kill(pid, "SIGKILL");
        await waitGone(d);
        break;
      }
      await sleep(100);
    }
  }
  rmSync(d.pidFile, { force: true });
}

async function waitGone(d: Daemon): Promise<void> {
  while (daemonPid(d)) await sleep(50);
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
