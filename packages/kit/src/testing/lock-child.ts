// Child process for the file lock's tests: takes the lock, records entering and leaving in a
// shared log, holding it for a while in between; "die" SIGKILLs itself while holding it.
// Usage: node --import tsx lock-child.ts <lock-file> <log-file> <hold-ms> [die]
import { appendFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { acquireFileLock } from "../file-lock.js";

const [path, logFile, holdMs, mode] = process.argv.slice(2);
if (!path || !logFile || !holdMs) throw new Error("usage: lock-child.ts <lock-file> <log-file> <hold-ms> [die]");
const lock = await acquireFileLock({ path, timeoutMs: 60_000, pollMs: 10 });
appendFileSync(logFile, `enter ${process.pid}\n`);
if (mode === "die") process.kill(process.pid, "SIGKILL");
await sleep(Number(holdMs));
appendFileSync(logFile, `leave ${process.pid}\n`);
lock.release();
