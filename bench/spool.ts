// Benchmark of the edge agent's on-disk spool: append and replay rates for ~300-byte telemetry
// payloads. Baselines, measured in the same run on the same disk: fs.appendFileSync of the same
// encoded bytes (append) and one readFileSync of that file (replay), neither with any fsync.
// Replay is the agent's reconnect path: peek a batch, ack it (an atomic ack-file rename per batch).
import { appendFileSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { encodeRecord, Spool, type SpoolMessage } from "@edgefleet/edge-agent";
import { benchFlags, RESULT_FLAG } from "./flags.js";
import { benchResult, writeResult } from "./result.js";

const values = await benchFlags({
  about: `Benchmarks the edge agent's on-disk spool: append (unsynced, fdatasync per batch, per message)
and replay after a restart, against fs.appendFileSync and readFileSync of the same bytes.`,
  flags: {
    messages: { type: "integer", default: "50000", help: "messages appended and replayed" },
    synced: { type: "integer", default: "2000", help: "of them, appended with an fdatasync each" },
    batch: { type: "integer", default: "500", help: "messages per appendBatch and per replayed peek" },
    result: RESULT_FLAG,
  },
});
const N = values.messages;
const SYNCED = values.synced;
const BATCH = values.batch;
const TOPIC = "edgefleet/v1/plant-3/orin-07/telemetry";
const root = mkdtempSync(join(tmpdir(), "edgefleet-bench-spool-"));

function message(seq: number): SpoolMessage {
  const body = JSON.stringify({ schemaVersion: 1, seq, timestamp: 1763700000000 + seq, samples: [], readErrors: 0 });
  return { topic: TOPIC, payload: Buffer.from(body.padEnd(300, " ")), seq };
}
const messages = Array.from({ length: N }, (_, seq) => message(seq));

interface Row {
  name: string;
  baseline: string;
  count: number;
  seconds: number;
  baselineSeconds: number;
}

function time(fn: () => void): number {
  const start = performance.now();
  fn();
  return (performance.now() - start) / 1000;
}

function freshSpool(name: string, sync: "batch" | { everyRecords: number }): Spool {
  return Spool.open({ dir: join(root, name), sync });
}

const loadBefore = loadavg();
const rawFile = join(root, "raw.bin");
const rawAppend = time(() => {
  for (const m of messages) appendFileSync(rawFile, encodeRecord({ id: m.seq, ...m }));
});
const rawRead = time(() => readFileSync(rawFile));

const rows: Row[] = [];
const unsynced = freshSpool("unsynced", { everyRecords: N });
rows.push({
  name: "spool.append, one fdatasync at the end",
  baseline: "appendFileSync",
  count: N,
  seconds: time(() => {
    for (const m of messages) unsynced.append(m.topic, m.payload, m.seq);
  }),
  baselineSeconds: rawAppend,
});
unsynced.close();

const batched = freshSpool("batched", "batch");
rows.push({
  name: `spool.appendBatch of ${BATCH} (default: fdatasync per batch)`,
  baseline: "appendFileSync",
  count: N,
  seconds: time(() => {
    for (let i = 0; i < N; i += BATCH) batched.appendBatch(messages.slice(i, i + BATCH));
  }),
  baselineSeconds: rawAppend,
});
batched.close();

const perRecord = freshSpool("per-record", "batch");
rows.push({
  name: "spool.append, fdatasync per message",
  baseline: "appendFileSync",
  count: SYNCED,
  seconds: time(() => {
    for (const m of messages.slice(0, SYNCED)) perRecord.append(m.topic, m.payload, m.seq);
  }),
  baselineSeconds: (rawAppend * SYNCED) / N,
});
perRecord.close();

// Replay after a restart: reopen (scan and CRC-check every segment), then peek and ack in batches.
let replayed = 0;
rows.push({
  name: `reopen + peek(${BATCH}) / ack replay`,
  baseline: "readFileSync",
  count: N,
  seconds: time(() => {
    const spool = freshSpool("unsynced", "batch");
    for (let batch = spool.peek(BATCH); batch.length > 0; batch = spool.peek(BATCH)) {
      replayed += batch.length;
      spool.ack(batch[batch.length - 1]?.id ?? -1);
    }
    spool.close();
  }),
  baselineSeconds: rawRead,
});
if (replayed !== N) throw new Error(`replayed ${replayed} of ${N} messages`);
const loadAfter = loadavg();
rmSync(root, { recursive: true, force: true });

const rate = (count: number, seconds: number) => Math.round(count / seconds).toLocaleString("en-US");
console.log(
  `${cpus().length} CPUs, ${cpus()[0]?.model ?? "unknown"}; load average ${loadBefore[0]?.toFixed(2)} before, ${loadAfter[0]?.toFixed(2)} after`,
);
console.log(
  `${N.toLocaleString("en-US")} messages of ${messages[0]?.payload.length} payload bytes (${encodeRecord({ id: 0, ...message(0) }).length} on disk)\n`,
);
console.log("| operation | messages | spool msg/s | baseline | baseline msg/s |");
console.log("| --- | --: | --: | --- | --: |");
for (const r of rows) {
  console.log(
    `| ${r.name} | ${r.count.toLocaleString("en-US")} | ${rate(r.count, r.seconds)} | ${r.baseline} | ${rate(r.count, r.baselineSeconds)} |`,
  );
}
writeResult(
  values.result,
  benchResult(
    "spool",
    loadBefore[0] ?? 0,
    // As a share of the baseline on the same disk in the same run: the disk's own speed cancels out.
    rows.map((r) => ({
      name: `${r.name} / ${r.baseline}`,
      value: Math.round((r.baselineSeconds / r.seconds) * 1000) / 1000,
      unit: "x",
      better: "higher",
      noise: 0.3,
    })),
  ),
);
