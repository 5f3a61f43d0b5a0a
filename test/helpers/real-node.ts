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
    busy: "another test file runs a real node on this machine",
  });
}
