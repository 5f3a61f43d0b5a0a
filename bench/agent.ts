// Benchmark of the edge agent process.
// 1. Footprint at 1 Hz telemetry with the simulated sensor, publishing to a real Mosquitto: CPU
//    (user+sys seconds per wall second, from /proc/<pid>/stat) and RSS, against an idle
//    `node -e "setInterval(()=>{},1000)"` measured over the same window (and, for scale, the same
//    idle loop under the tsx loader the agent runs with).
// 2. Replay after reconnect: a spool pre-filled with N telemetry messages drained to a real
//    Mosquitto, timed until a QoS 1 subscriber has them all, against a bare mqtt.js client
//    publishing the same payloads with the same in-flight window.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { createSensor, encodeTelemetry, Spool } from "@edgefleet/edge-agent";
import { forEachLimited } from "@edgefleet/kit";
import { startMosquitto } from "@edgefleet/test";
import mqtt from "mqtt";
import { benchFlags } from "./flags.js";

const { seconds: SECONDS, replay: REPLAY } = await benchFlags({
  about: `Benchmarks the edge agent process against a real Mosquitto: its CPU and RSS at 1 Hz telemetry
against an idle node process, and its spool replay after a reconnect against a bare mqtt.js client.`,
  flags: {
    seconds: { type: "seconds", default: "60", help: "how long the footprint is measured, after 5 s of warm-up" },
    replay: { type: "integer", default: "20000", help: "telemetry messages in the spool to replay" },
  },
});
const WARMUP_MS = 5_000;
const TICKS = 100; // CLK_TCK on Linux
const TOPIC = "edgefleet/v1/plant-3/orin-07/telemetry";
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const root = mkdtempSync(join(tmpdir(), "edgefleet-bench-agent-"));
// No queue limit: Mosquitto's default of 1,000 queued messages per client would drop replayed
// messages whenever the benchmark's own subscriber falls behind.
const broker = await startMosquitto({
  config: ({ port }) => `listener ${port} 127.0.0.1\nallow_anonymous true\nmax_queued_messages 0\n`,
});

function cpuSeconds(pid: number): number {
  // Fields after the parenthesised command: utime and stime are the 12th and 13th.
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / TICKS;
}

function rssBytes(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return Number(match?.[1] ?? 0) * 1024;
}

function agentArgs(spoolDir: string, interval: string): string[] {
  return [
    "--import",
    "tsx",
    "packages/edge-agent/src/agent/main.ts",
    "--site=plant-3",
    "--node=orin-07",
    "--hardware-class=orin-agx",
    `--broker-url=${broker.url}`,
    `--spool-dir=${spoolDir}`,
    "--sensors=simulated",
    `--interval=${interval}`,
    "--http-address=127.0.0.1:0",
    "--log-level=warn",
  ];
}

interface Footprint {
  name: string;
  cpuPerSecond: number;
  rssBytes: number;
}

async function footprint(): Promise<Footprint[]> {
  const processes: Array<[string, ChildProcess]> = [
    ["edge agent, 1 Hz, simulated sensor", spawn(process.execPath, agentArgs(join(root, "footprint"), "1s"), { stdio: "ignore" })],
    ["idle node (baseline)", spawn(process.execPath, ["-e", "setInterval(()=>{},1000)"], { stdio: "ignore" })],
    ["idle node --import tsx", spawn(process.execPath, ["--import", "tsx", "-e", "setInterval(()=>{},1000)"], { stdio: "ignore" })],
  ];
  await sleep(WARMUP_MS);
  const start = performance.now();
  const before = processes.map(([, p]) => cpuSeconds(p.pid ?? 0));
  const peaks = processes.map(() => 0);
  while (performance.now() - start < SECONDS * 1000) {
    await sleep(1_000);
    processes.forEach(([, p], i) => {
      peaks[i] = Math.max(peaks[i] ?? 0, rssBytes(p.pid ?? 0));
    });
  }
  const wall = (performance.now() - start) / 1000;
  const rows = processes.map(([name, p], i) => ({
    name,
    cpuPerSecond: (cpuSeconds(p.pid ?? 0) - (before[i] ?? 0)) / wall,
    rssBytes: peaks[i] ?? 0,
  }));
  for (const [, p] of processes) p.kill("SIGKILL");
  return rows;
}

/** N realistic telemetry payloads (the simulated sensor's four samples), spooled as the agent would. */
async function payloads(n: number): Promise<Buffer[]> {
  const sensor = createSensor({ type: "simulated", seed: 1, load: () => 0.5 });
  const out: Buffer[] = [];
  for (let seq = 0; seq < n; seq++) {
    const { samples } = await sensor.read();
    const spool = { pendingMessages: n - seq, bytes: 1_000_000, droppedMessages: 0 };
    out.push(encodeTelemetry({ seq, timestamp: Date.now(), samples, inference: [], artifactFailures: [], spool, readErrors: 0 }).body);
  }
  return out;
}

async function countingSubscriber(n: number) {
  const client = await mqtt.connectAsync(broker.url, { protocolVersion: 5, clientId: `bench-sub-${Date.now()}`, clean: true });
  let received = 0;
  let done: () => void = () => {};
  const all = new Promise<void>((resolve) => (done = resolve));
  client.on("message", (topic) => {
    if (topic.endsWith("/telemetry") && ++received === n) done();
  });
  await client.subscribeAsync("edgefleet/v1/+/+/telemetry", { qos: 1 });
  return { all, close: () => client.endAsync(true) };
}

async function replayAgent(bodies: Buffer[]): Promise<number> {
  const dir = join(root, "replay");
  const spool = Spool.open({ dir });
  spool.appendBatch(bodies.map((payload, seq) => ({ topic: TOPIC, payload, seq })));
  spool.close();
  const sub = await countingSubscriber(bodies.length);
  // Hours between ticks, so the replayed messages are all there is to send.
  const agent = spawn(
    process.execPath,
    agentArgs(dir, "60m").map((a) => (a === "--log-level=warn" ? "--log-level=info" : a)),
    {
      stdio: ["ignore", "pipe", "ignore"],
    },
  );
  const connected = new Promise<number>((resolve) => {
    agent.stdout?.on("data", (d: Buffer) => {
      if (d.toString().includes('"msg":"connected to the broker"')) resolve(performance.now());
    });
  });
  const start = await connected;
  await sub.all;
  const seconds = (performance.now() - start) / 1000;
  agent.kill("SIGKILL");
  await sub.close();
  return seconds;
}

async function replayBaseline(bodies: Buffer[], window: number): Promise<number> {
  const sub = await countingSubscriber(bodies.length);
  const client = await mqtt.connectAsync(broker.url, { protocolVersion: 5, clientId: "bench-baseline", clean: true });
  const start = performance.now();
  await forEachLimited(bodies, window, (body) => client.publishAsync(TOPIC, body, { qos: 1 }).then(() => undefined));
  await sub.all;
  const seconds = (performance.now() - start) / 1000;
  await client.endAsync();
  await sub.close();
  return seconds;
}

const loadBefore = loadavg()[0];
const rows = await footprint();
const bodies = await payloads(REPLAY);
// Mosquitto's receive maximum (20) bounds the agent's window; the baseline gets the same.
const baselineSeconds = await replayBaseline(bodies, 20);
const agentSeconds = await replayAgent(bodies);
const loadAfter = loadavg()[0];
await broker.dispose();
rmSync(root, { recursive: true, force: true });

const baseline = rows[1];
console.log(`${cpus().length} x ${cpus()[0]?.model}; load average ${loadBefore?.toFixed(2)} before, ${loadAfter?.toFixed(2)} after`);
console.log(`footprint over ${SECONDS} s after ${WARMUP_MS / 1000} s warm-up:`);
// An idle node uses less than one clock tick (10 ms) a minute, so CPU is given as the difference.
console.log("| process | CPU ms per s | above idle node, ms per s | peak RSS MiB | x idle node |");
console.log("| --- | ---: | ---: | ---: | ---: |");
for (const r of rows)
  console.log(
    `| ${r.name} | ${(r.cpuPerSecond * 1000).toFixed(2)} | ${((r.cpuPerSecond - (baseline?.cpuPerSecond ?? 0)) * 1000).toFixed(2)} | ${(r.rssBytes / 2 ** 20).toFixed(1)} | ${(r.rssBytes / (baseline?.rssBytes ?? 1)).toFixed(2)} |`,
  );
const size = bodies.reduce((a, b) => a + b.length, 0) / bodies.length;
console.log(`replay of ${REPLAY} telemetry messages (${size.toFixed(0)} bytes each), QoS 1, window 20:`);
console.log(`| agent spool replay | ${(REPLAY / agentSeconds).toFixed(0)} msg/s | ${agentSeconds.toFixed(2)} s |`);
console.log(`| bare mqtt.js publish (baseline) | ${(REPLAY / baselineSeconds).toFixed(0)} msg/s | ${baselineSeconds.toFixed(2)} s |`);
console.log(`| ratio agent / baseline | ${(baselineSeconds / agentSeconds).toFixed(2)} | |`);
