import { readdir, readFile } from "node:fs/promises";

/** A process of this host as /proc shows it. */
export interface HostProcess {
  readonly pid: number;
  readonly ppid: number;
  /** Its command line; empty for a zombie or a kernel thread. */
  readonly argv: readonly string[];
}

/**
 * What read returns for each process of this host, this one excepted, with its pid; processes that
 * exit meanwhile (or are not ours to read) are skipped, as are those read returns undefined for.
 */
export async function readProcesses<T>(read: (pid: number) => Promise<T | undefined>): Promise<T[]> {
  const found: T[] = [];
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const value = await read(Number(entry));
      if (value !== undefined) found.push(value);
    } catch {
      // Gone meanwhile, or not ours to read.
    }
  }
  return found;
}

/** The processes of this host, this one excepted. */
export function hostProcesses(): Promise<HostProcess[]> {
  return readProcesses(async (pid) => {
    const [cmdline, stat] = await Promise.all([readFile(`/proc/${pid}/cmdline`, "utf8"), readFile(`/proc/${pid}/stat`, "utf8")]);
    return { pid, ppid: parentPid(stat), argv: cmdline.split("\0").filter(Boolean) };
  });
}

/** Sends sig to each pid, skipping those already gone. */
export function signalAll(pids: Iterable<number>, sig: NodeJS.Signals): void {
  for (const pid of pids) {
    try {
      process.kill(pid, sig);
    } catch {
      // Already gone.
    }
  }
}

/** The parent pid in /proc/PID/stat: the field after the state, after the command name's closing parenthesis (which may hold spaces and parentheses). */
export function parentPid(stat: string): number {
  return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
}

/** The pids of roots and of every process below them. */
export function withDescendants(all: readonly HostProcess[], roots: readonly number[]): number[] {
  const tree = new Set(roots);
  for (let grew = true; grew; ) {
    grew = false;
    for (const p of all) {
      if (!tree.has(p.pid) && tree.has(p.ppid)) {
        tree.add(p.pid);
        grew = true;
      }
    }
  }
  return [...tree];
}

/**
 * SIGKILLs every live process whose command line names path, and every process below them, and
 * waits until they are gone: what a node's stop left running from its directory (a containerd
 * shim whose task outlived containerd, and the containers under it; a kubelet's `du` of a volume).
 * Returns the command names it killed.
 */
export async function killProcessesNaming(path: string, timeoutMs = 10_000): Promise<string[]> {
  const all = await hostProcesses();
  const roots = all.filter((p) => p.argv.some((a) => a.includes(path))).map((p) => p.pid);
  if (roots.length === 0) return [];
  const pids = new Set(withDescendants(all, roots));
  signalAll(pids, "SIGKILL");
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const left = (await hostProcesses()).filter((p) => pids.has(p.pid) && p.argv.length > 0);
    if (left.length === 0) break;
    if (Date.now() > deadline) throw new Error(`still running after SIGKILL: ${left.map((p) => `${p.pid} ${p.argv[0]}`).join(", ")}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return all.filter((p) => pids.has(p.pid)).map((p) => `${p.pid} ${p.argv[0] ?? "?"}`);
}
