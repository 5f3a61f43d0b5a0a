import { randomInt } from "node:crypto";
import { linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * Where handed-out ports come from. Below the kernel's ephemeral ports (ip_local_port_range,
 * 32768-60999 by default), which every outgoing connection takes one of at any moment: a port
 * picked there and bound seconds later (the local platform picks all its ports before starting
 * anything) was once taken by a connection in between, and the service failed with EADDRINUSE.
 * Also below Kubernetes' NodePorts (30000-32767) and kwokctl's picks, which count down from 32767.
 */
export const PORT_RANGE = { first: 20_000, last: 29_999 } as const;

/**
 * One file per port handed out, naming the process that did: this user's processes on this host
 * never hand out the same port (per user, so another user's directory never stops ours).
 */
export const PORT_CLAIMS_DIR = join(tmpdir(), `edgefleet-ports-${process.getuid?.() ?? "user"}`);

/** Ports this process has handed out; never handed out again by it. */
const handedOut = new Set<number>();

/**
 * A TCP port free on 127.0.0.1 now, in PORT_RANGE, that no process on this host has handed out
 * (a claim left by a process that is gone is taken over), never one this process handed out before.
 */
export async function freePort(): Promise<number> {
  mkdirSync(PORT_CLAIMS_DIR, { recursive: true });
  for (let tries = 0; tries < 1000; tries++) {
    const port = randomInt(PORT_RANGE.first, PORT_RANGE.last + 1);
    if (handedOut.has(port) || !claimPort(port)) continue;
    if (await canListen(port)) {
      handedOut.add(port);
      return port;
    }
    // Some other program listens there: not ours to keep.
    release(port);
  }
  throw new Error(`no free port in ${PORT_RANGE.first}-${PORT_RANGE.last} after 1000 tries: ${PORT_CLAIMS_DIR} holds the claims`);
}

/** Takes port's claim for this process, unless a live process (this one included) holds it. */
export function claimPort(port: number): boolean {
  const file = join(PORT_CLAIMS_DIR, String(port));
  if (create(file)) return true;
  let holder: number;
  try {
    holder = Number(readFileSync(file, "utf8"));
  } catch {
    return false; // released meanwhile: another try picks another port
  }
  if (holder === process.pid || alive(holder)) return false;
  // Its process is gone: take it over. Two processes drawing this port within the microseconds
  // between one's read and its new claim could both win; rare enough beside the pick's random draw.
  release(port);
  return create(file);
}

/** Creates the claim with its pid in one step (a hard link of a written file), so no reader sees it empty. */
function create(file: string): boolean {
  const written = `${file}.${process.pid}.tmp`;
  writeFileSync(written, String(process.pid));
  try {
    linkSync(written, file);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw err;
  } finally {
    unlinkSync(written);
  }
}

function release(port: number): void {
  try {
    unlinkSync(join(PORT_CLAIMS_DIR, String(port)));
  } catch {
    // already gone
  }
}

function alive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}
