import { randomBytes } from "node:crypto";
import { closeSync, linkSync, openSync, readFileSync, renameSync, statSync, unlinkSync, utimesSync, writeSync } from "node:fs";
import { hostname } from "node:os";
import { setTimeout as sleep } from "node:timers/promises";

export interface FileLockOptions {
  /** The lock file; created with O_EXCL, so exactly one process on the host holds it. */
  path: string;
  /** Give up waiting after this long. */
  timeoutMs: number;
  /**
   * A lock whose holder has not refreshed it for this long is stale. Pods on one node do not share
   * a PID namespace, so a pid alone cannot tell a live holder in another pod from a dead one.
   */
  staleMs?: number;
  pollMs?: number;
  signal?: AbortSignal;
  /** What a lock still held means and what to do, ending the timeout's message. */
  busy?: string;
}

export interface HeldLock {
  release(): void;
}

interface Holder {
  pid: number;
  host: string;
  token: string;
}

export const DEFAULT_STALE_MS = 30_000;

/** Tokens of the locks this process holds, so its own live lock never looks like a dead pid's. */
const heldHere = new Set<string>();

/**
 * Takes a host-wide lock file, waiting for it (the edge agent's artifact installs on a node, the
 * local cluster tooling's kwokctl runs on a machine). The holder refreshes the file's
 * mtime every staleMs/3; a lock left by a killed holder is taken over once it is stale, or at once
 * when the holder was this host (pod) and its pid is gone.
 */
export async function acquireFileLock(options: FileLockOptions): Promise<HeldLock> {
  const { path, timeoutMs, staleMs = DEFAULT_STALE_MS, pollMs = 100, signal, busy } = options;
  const deadline = Date.now() + timeoutMs;
  const me: Holder = { pid: process.pid, host: hostname(), token: randomBytes(8).toString("hex") };
  for (;;) {
    signal?.throwIfAborted();
    if (tryCreate(path, me)) return hold(path, me, staleMs);
    breakIfStale(path, me, staleMs);
    if (Date.now() >= deadline) {
      const holder = readHolder(path);
      throw new Error(
        `lock ${path} still held after ${timeoutMs} ms${holder ? ` by pid ${holder.pid} on ${holder.host}` : ""}${busy ? `; ${busy}` : ""}`,
      );
    }
    await sleep(pollMs, undefined, signal ? { signal } : {});
  }
}

function tryCreate(path: string, me: Holder): boolean {
  let fd: number;
  try {
    fd = openSync(path, "wx", 0o644);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw err;
  }
  try {
    writeSync(fd, JSON.stringify(me));
  } finally {
    closeSync(fd);
  }
  return true;
}

function hold(path: string, me: Holder, staleMs: number): HeldLock {
  const refresh = setInterval(
    () => {
      const now = new Date();
      try {
        utimesSync(path, now, now);
      } catch {
        // Gone means taken over as stale (we were stopped for longer than staleMs); nothing to refresh.
      }
    },
    Math.max(1, Math.floor(staleMs / 3)),
  );
  refresh.unref();
  heldHere.add(me.token);
  let released = false;
  return {
    release() {
      if (released) return;
      released = true;
      clearInterval(refresh);
      heldHere.delete(me.token);
      // Only our own lock: after a takeover the file is someone else's.
      if (readHolder(path)?.token === me.token) unlinkSync(path);
    },
  };
}

function readHolder(path: string): Holder | undefined {
  try {
    const holder = JSON.parse(readFileSync(path, "utf8")) as Partial<Holder>;
    if (typeof holder.pid === "number" && typeof holder.host === "string" && typeof holder.token === "string") return holder as Holder;
  } catch {}
  return undefined;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

function isStale(path: string, me: Holder, staleMs: number): Holder | undefined {
  const st = statSync(path, { throwIfNoEntry: false });
  if (!st) return undefined;
  const holder = readHolder(path);
  // A holder that died between creating the file and writing its name: stale by age only.
  // pid 1 of a restarted container is the same pid as its dead predecessor's, hence the token check.
  const deadHere =
    holder !== undefined && holder.host === me.host && !heldHere.has(holder.token) && (holder.pid === me.pid || !alive(holder.pid));
  if (deadHere || Date.now() - st.mtimeMs > staleMs) return holder ?? { pid: -1, host: "", token: "" };
  return undefined;
}

/**
 * Removes a stale lock without removing a fresh one another waiter made meanwhile: the file is
 * renamed aside (atomic, one winner), and put back if what was moved is not what was judged stale.
 */
function breakIfStale(path: string, me: Holder, staleMs: number): void {
  const stale = isStale(path, me, staleMs);
  if (!stale) return;
  const aside = `${path}.stale-${me.token}`;
  try {
    renameSync(path, aside);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return;
    throw err;
  }
  const moved = readHolder(aside);
  if (moved !== undefined && moved.token !== stale.token) {
    try {
      linkSync(aside, path);
    } catch {
      // Someone created a lock in between; theirs stands and the moved holder notices on release.
    }
  }
  unlinkSync(aside);
}
