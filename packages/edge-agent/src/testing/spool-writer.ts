// Child process for the spool's SIGKILL test: appends until killed, syncing every record, and
// reports each seq on stdout only after its fdatasync returned.
// Usage: node --import tsx spool-writer.ts <dir>
import { writeSync } from "node:fs";
import { Spool } from "../spool/spool.js";

const dir = process.argv[2];
if (!dir) throw new Error("usage: spool-writer.ts <dir>");
const spool = Spool.open({ dir, segmentBytes: 16 * 1024, maxBytes: 64 * 1024 * 1024 });
const payload = Buffer.alloc(300, 0x61);
for (let seq = 0; ; seq++) {
  if (spool.append("edgefleet/v1/plant-3/orin-07/telemetry", payload, seq) === undefined) {
    throw new Error(`append failed: ${spool.stats().rejected.lastError}`);
  }
  writeSync(1, `${seq}\n`);
}
