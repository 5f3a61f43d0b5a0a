import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface MachineLockOptions {
  /** Where lock directories live; the machine's temp dir unless set (tests). */
  readonly dir?: string;
  readonly pollMs?: number;
  readonly timeoutMs?: number;
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
};

/**
 * Runs fn while holding a lock every process on this machine shares: a directory made atomically,
 * with the holder's pid inside. A holder that died without unlocking is taken over. Used where a
 * tool picks machine-wide resources without locking itself, as kwokctl picks its clusters' ports:
 * two clusters created at once could otherwise get the same port.
 */
export async function withMachineLock<T>(name: string, fn: () => Promise<T>, options: MachineLockOptions = {}): Promise<T> {
  const { dir = tmpdir(), pollMs = 200, timeoutMs = 600_000 } = options;
  const lock = join(dir, `edgefleet-${name}.lock`);
  const owner = join(lock, "pid");
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      mkdirSync(lock);
      writeFileSync(owner, String(process.pid));
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    }
    let holder = Number.NaN;
    try {
      holder = Number(readFileSync(owner, "utf8"));
    } catch {
      // Made but its pid not written yet: the holder is alive, between its two steps.
    }
    if (Number.isInteger(holder) && holder > 0 && !alive(holder)) {
      rmSync(lock, { recursive: true, force: true });
      continue;
    }
    if (Date.now() > deadline)
      throw new Error(`waited ${timeoutMs / 1000}s for ${lock} (held by pid ${holder}); remove it if that process is gone`);
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
  try {
    return await fn();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}
