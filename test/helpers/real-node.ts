import { tmpdir } from "node:os";
import { join } from "node:path";
import { acquireFileLock, type HeldLock } from "@edgefleet/kit";

/**
 * Test files that run a real node take turns: a host runs one real node at a time (cluster start
 * refuses a second one, see tools/src/cluster/real-nodes.ts), and files run in parallel workers.
 */
export function holdRealNodeHost(): Promise<HeldLock> {
  return acquireFileLock({
    path: join(tmpdir(), "edgefleet-test-real-node.lock"),
    timeoutMs: 1_800_000,
    // The holder refreshes the lock from its event loop, which these files block for minutes in
    // spawnSync (cluster start, stop, delete); at the default 30 s a waiter took the lock over from
    // a live holder on a loaded machine and its cluster start found the other file's kubelet. A dead
    // holder is still told apart at once by its pid.
    staleMs: 1_800_000,
    busy: "another test file runs a real node on this machine",
  });
}
