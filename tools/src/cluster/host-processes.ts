import { readdir, readFile } from "node:fs/promises";

/** A process of this host as /proc shows it. */
export interface HostProcess {
  readonly pid: number;
  readonly ppid: number;
  /** Its command line; empty for a zombie or a kernel thread. */
  readonly argv: readonly string[];
}

/** The processes of this host, this one excepted (ones that exit meanwhile are skipped). */
export async function hostProcesses(): Promise<HostProcess[]> {
  const found: HostProcess[] = [];
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const [cmdline, stat] = await Promise.all([readFile(`/proc/${entry}/cmdline`, "utf8"), readFile(`/proc/${entry}/stat`, "utf8")]);
      found.push({ pid: Number(entry), ppid: parentPid(stat), argv: cmdline.split("\0").filter(Boolean) });
    } catch {
      // Gone meanwhile.
    }
  }
  return found;
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
  const pids = withDescendants(all, roots);
  for (const pid of pids) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // Already gone.
    }
  }
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const left = (await hostProcesses()).filter((p) => pids.includes(p.pid) && p.argv.length > 0);
    if (left.length === 0) break;
    if (Date.now() > deadline) throw new Error(`still running after SIGKILL: ${left.map((p) => `${p.pid} ${p.argv[0]}`).join(", ")}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return all.filter((p) => pids.includes(p.pid)).map((p) => `${p.pid} ${p.argv[0] ?? "?"}`);
}
