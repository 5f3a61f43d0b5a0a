import { readFile } from "node:fs/promises";
import { readProcesses, signalAll } from "../services/host-processes.js";

/**
 * Flower starts its app processes (flwr-serverapp, one flwr-clientapp per message) detached and
 * does not always tie them to their parent: stopping the SuperLink and SuperNodes can leave one
 * running, its parent gone. Every process of a run carries this variable, with the run's own value
 * in its environment, and inherits it to whatever it starts: stopping the run stops them all.
 */
export const RUN_MARKER = "EDGEFLEET_FL_RUN";

/** Whether a process's environment (/proc/PID/environ: NUL-separated) carries the marker with this value. */
export function marked(environ: string, value: string): boolean {
  return environ.split("\0").includes(`${RUN_MARKER}=${value}`);
}

/** Pids of this user's processes that carry the marker with this value. */
const markedPids = (value: string) =>
  readProcesses(async (pid) => (marked(await readFile(`/proc/${pid}/environ`, "utf8"), value) ? pid : undefined));

/** SIGTERM to every process of the run, SIGKILL to those still there after graceMs. */
export async function stopMarked(value: string, graceMs = 10_000): Promise<void> {
  signalAll(await markedPids(value), "SIGTERM");
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if ((await markedPids(value)).length === 0) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  signalAll(await markedPids(value), "SIGKILL");
}
