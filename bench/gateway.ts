// Benchmark of the telemetry gateway.
// 1. Ingest: QoS 1 telemetry (~700 bytes: 3 samples, one inference entry) from NODES publishers through the real
//    Mosquitto with the shipped TLS config and ACL into one gateway process; baseline: a bare
//    mqtt.js subscriber process that only counts, through the same broker in the same run.
// 2. Two gateways on one shared subscription against one gateway.
// 3. /metrics render time at 100,000 series (to UTF-8 bytes, as the response writes them), the
//    HTTP scrape time (curl, its own process) and the event-loop delay p99 while /metrics is
//    scraped back to back; baseline: the same series as prom-client Gauges/Histograms.
import { spawn } from "node:child_process";
import { cpus, loadavg } from "node:os";
import { monitorEventLoopDelay, performance } from "node:perf_hooks";
import { Fleet, gatewayMetrics, gatewayServer, renderMetrics } from "@edgefleet/gateway";
import { processMetrics } from "@edgefleet/kit";
import { LATENCY_BUCKETS_SECONDS } from "@edgefleet/telemetry";
import {
  birth,
  GATEWAY_MQTT_IDENTITY,
  type GatewayProcess,
  json,
  SITE,
  startGateway,
  startTlsBroker,
  type TlsBroker,
  telemetry,
  topic,
} from "@edgefleet/test";
import mqtt, { type MqttClient } from "mqtt";
import { Gauge, Histogram, Registry } from "prom-client";
import { benchFlags, RESULT_FLAG } from "./flags.js";
import { benchResult, type Figure, writeResult } from "./result.js";

const values = await benchFlags({
  about: `Benchmarks the telemetry gateway: QoS 1 ingest through the real Mosquitto (TLS, ACL) into one
gateway and into two on a shared subscription, against a bare mqtt.js subscriber that only counts; and
/metrics render and scrape time at many device series, against the same series in prom-client.`,
  flags: {
    messages: { type: "integer", default: "60000", help: "telemetry messages to ingest" },
    nodes: { type: "integer", default: "10", help: "publishers (one per node) sending them" },
    series: { type: "integer", default: "100000", help: "device series /metrics renders" },
    scrapes: { type: "integer", default: "20", help: "scrapes of /metrics; the median is reported" },
    result: RESULT_FLAG,
    role: {
      type: "enum",
      of: ["counter"],
      section: "The baseline subscriber process, which the bench starts with these",
      help: "run as the baseline subscriber: count messages, print the count every 20 ms",
    },
    url: { type: "url", schemes: ["mqtts"], example: "mqtts://localhost:8883", help: "the broker" },
    ca: { type: "string", arg: "FILE", help: "the broker's CA certificate (PEM)" },
    cert: { type: "string", arg: "FILE", help: "the subscriber's client certificate (PEM)" },
    key: { type: "string", arg: "FILE", help: "its private key (PEM)" },
  },
});

const N = values.messages;
const NODES = values.nodes;

interface Counter {
  count(): Promise<number>;
  stop(): Promise<void>;
}

async function counterProcess(tls: TlsBroker): Promise<Counter> {
  const dir = tls.identityDir(GATEWAY_MQTT_IDENTITY);
  const child = spawn(
    process.execPath,
    [
      "--import",
      "tsx",
      import.meta.filename,
      "--role=counter",
      `--url=${tls.url}`,
      `--ca=${dir}/ca.crt`,
      `--cert=${dir}/tls.crt`,
      `--key=${dir}/tls.key`,
    ],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  // It prints its running count every 20 ms; the latest line is the count.
  let latest = -1;
  child.stdout.on("data", (d: Buffer) => {
    const lines = d.toString().trim().split("\n");
    latest = Number(lines[lines.length - 1]);
  });
  while (latest < 0) await new Promise((r) => setTimeout(r, 20));
  return {
    count: async () => latest,
    stop: async () => {
      child.kill();
      await new Promise((r) => child.once("exit", r));
    },
  };
}

function gatewayCounter(gateway: GatewayProcess): Counter {
  return {
    count: async () => {
      const m = /edgefleet_gateway_messages_total\{kind="telemetry",result="accepted"\} (\d+)/.exec(await gateway.metrics());
      return Number(m?.[1] ?? 0);
    },
    stop: () => gateway.stop(),
  };
}

/** Publishes N telemetry messages round-robin from the nodes (windowed QoS 1), and returns msgs/s at the receivers. */
async function ingest(publishers: MqttClient[], receivers: Counter[], seqBase: number): Promise<number> {
  const template = json(telemetry(0)).replace('"seq":0', '"seq":SEQ');
  const start = performance.now();
  const window: Promise<unknown>[] = [];
  for (let i = 0; i < N; i++) {
    const p = i % publishers.length;
    const client = publishers[p];
    if (!client) throw new Error("no publisher");
    window.push(client.publishAsync(topic(`bench-${p}`, "telemetry"), template.replace("SEQ", String(seqBase + i)), { qos: 1 }));
    if (window.length >= 2000) await Promise.all(window.splice(0));
  }
  await Promise.all(window);
  const published = performance.now();
  for (;;) {
    const counts = await Promise.all(receivers.map((r) => r.count()));
    const total = counts.reduce((a, b) => a + b, 0);
    if (total >= N) break;
    if (performance.now() - published > 120_000) throw new Error(`only ${total} of ${N} arrived`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return N / ((performance.now() - start) / 1000);
}

async function ingestBench() {
  const tls = await startTlsBroker({ maxQueuedMessages: 1_000_000 });
  const publishers: MqttClient[] = [];
  try {
    for (let p = 0; p < NODES; p++) {
      const client = await tls.connect(`bench-${p}`);
      await client.publishAsync(topic(`bench-${p}`, "birth"), json(birth()), { qos: 1, retain: true });
      publishers.push(client);
    }
    const rates: Record<string, number> = {};
    let seq = 0;
    const run = async (name: string, receivers: Counter[]) => {
      // Counts are cumulative per receiver: each run gets fresh receivers.
      rates[name] = await ingest(publishers, receivers, seq);
      seq += N;
      await Promise.all(receivers.map((r) => r.stop()));
    };
    await run("baseline (bare mqtt.js subscriber)", [await counterProcess(tls)]);
    await run("one gateway", [gatewayCounter(await startGateway({ broker: tls, replica: 1, sharedGroup: "bench-one" }))]);
    await run("two gateways (shared)", [
      gatewayCounter(await startGateway({ broker: tls, replica: 2, sharedGroup: "bench-two" })),
      gatewayCounter(await startGateway({ broker: tls, replica: 3, sharedGroup: "bench-two" })),
    ]);
    await run("baseline again", [await counterProcess(tls)]);
    return rates;
  } finally {
    await tls.dispose();
  }
}

/** A fleet with at least `series` exposition lines: each device a birth and one telemetry with two models. */
function bigFleet(series: number): Fleet {
  const fleet = new Fleet({ countSkippedAsGaps: false });
  const models = ["detector", "classifier"];
  for (let d = 0; fleet.seriesLines < series; d++) {
    const at = { site: SITE, node: `node-${d}` };
    fleet.birth(at, birth(["jetson-orin", "x86-cpu", "rpi5-coral"][d % 3]), false);
    const base = telemetry(1);
    fleet.telemetry(at, { ...base, inference: models.map((model) => ({ ...base.inference[0], model }) as (typeof base.inference)[0]) });
  }
  return fleet;
}

/** The same series through prom-client, the way a gateway without its own exposition would hold them. */
function promClientRegistry(fleet: Fleet): Registry {
  const registry = new Registry();
  for (const family of fleet.allFamilies()) {
    if (family.series.size === 0) continue;
    const text = [...family.series.values()].flatMap((s) => s.render().split("\n").slice(0, -1));
    if (family.type === "histogram") {
      const h = new Histogram({
        name: family.name,
        help: family.help,
        labelNames: [...labelNames(text[0] ?? "")].filter((l) => l !== "le"),
        buckets: [...LATENCY_BUCKETS_SECONDS],
        registers: [registry],
      });
      for (const line of text) if (line.includes("_count{")) h.observe(labelsOf(line), 0.004);
    } else {
      const g = new Gauge({
        name: family.name,
        help: family.help,
        labelNames: [...new Set(text.flatMap((l) => [...labelNames(l)]))],
        registers: [registry],
      });
      for (const line of text) g.set(labelsOf(line), Number(line.slice(line.lastIndexOf(" ") + 1)));
    }
  }
  return registry;
}

function labelsOf(line: string): Record<string, string> {
  return Object.fromEntries([...line.matchAll(/(\w+)="([^"]*)"/g)].filter((m) => m[1] !== "le").map((m) => [m[1] ?? "", m[2] ?? ""]));
}
function labelNames(line: string): Set<string> {
  return new Set(Object.keys(labelsOf(line)));
}

const percentile = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))] ?? 0;

async function renderBench() {
  const fleet = bigFleet(values.series);
  const registry = new Registry();
  processMetrics(registry);
  gatewayMetrics(registry, fleet);
  const baseline = promClientRegistry(fleet);
  const scrapes = values.scrapes;

  const times = async (render: () => Promise<unknown>) => {
    const t: number[] = [];
    for (let i = 0; i < scrapes; i++) {
      const s = performance.now();
      await render();
      t.push(performance.now() - s);
    }
    return t;
  };
  let bytes = 0;
  const own = await times(() => renderMetrics({ registry, families: () => fleet.allFamilies() }, (c) => (bytes += Buffer.byteLength(c))));
  const prom = await times(async () => Buffer.byteLength(await baseline.metrics()));

  // Event-loop delay while /metrics is scraped back to back over HTTP, with a timer ticking as messages would.
  const loopDelay = async (server: ReturnType<typeof gatewayServer>) => {
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    const port = (server.address() as { port: number }).port;
    const h = monitorEventLoopDelay({ resolution: 1 });
    h.enable();
    const start = performance.now();
    // curl in its own process reads the 18 MB body, so only the server's work lands on this event loop.
    for (let i = 0; i < scrapes; i++)
      await new Promise((r) => spawn("curl", ["-s", "-o", "/dev/null", `http://127.0.0.1:${port}/metrics`]).once("exit", r));
    const scrapeMs = (performance.now() - start) / scrapes;
    h.disable();
    server.close();
    return { p99: h.percentile(99) / 1e6, scrapeMs };
  };
  const ownDelay = await loopDelay(
    gatewayServer({ registry, families: () => fleet.allFamilies(), healthy: () => true, ready: () => true }),
  );
  const promDelay = await loopDelay(gatewayServer({ registry: baseline, families: () => [], healthy: () => true, ready: () => true }));
  return {
    series: fleet.seriesLines,
    bytes: bytes / scrapes,
    own: percentile(own, 0.5),
    prom: percentile(prom, 0.5),
    ownDelay,
    promDelay,
  };
}

async function main() {
  const loadBefore = loadavg()[0] ?? 0;
  console.log(
    `gateway bench: ${N} messages from ${NODES} nodes; ${cpus().length} cores (${cpus()[0]?.model}), load ${loadavg()
      .map((l) => l.toFixed(2))
      .join(" ")}`,
  );
  const r = await renderBench();
  console.log(`\n/metrics at ${r.series} device series (${(r.bytes / 1e6).toFixed(1)} MB), median of ${values.scrapes}:`);
  const row = (name: string, render: number, d: { p99: number; scrapeMs: number }) =>
    console.log(
      `  ${name.padEnd(21)} render ${render.toFixed(1)} ms, HTTP scrape (curl) ${d.scrapeMs.toFixed(1)} ms, event-loop delay p99 ${d.p99.toFixed(1)} ms`,
    );
  row("gateway", r.own, r.ownDelay);
  row("prom-client baseline", r.prom, r.promDelay);
  console.log(
    `  ratio: render ${(r.prom / r.own).toFixed(1)}x faster, scrape ${(r.promDelay.scrapeMs / r.ownDelay.scrapeMs).toFixed(1)}x faster, p99 delay ${(r.promDelay.p99 / r.ownDelay.p99).toFixed(1)}x lower`,
  );

  const rates = await ingestBench();
  console.log("\ningest, QoS 1 over TLS through Mosquitto (msgs/s at the receivers):");
  for (const [name, rate] of Object.entries(rates)) console.log(`  ${name.padEnd(36)} ${Math.round(rate)}`);
  const base = rates["baseline (bare mqtt.js subscriber)"] ?? 1;
  const one = rates["one gateway"] ?? 1;
  console.log(`  one gateway / baseline               ${(one / base).toFixed(2)}`);
  console.log(`  two gateways / one gateway           ${((rates["two gateways (shared)"] ?? 0) / one).toFixed(2)}`);
  // Ratios to the baselines of the same run, so the figures hold at a smaller --messages and --series.
  const ratio = (name: string, value: number, noise: number): Figure => ({
    name,
    value: Math.round(value * 100) / 100,
    unit: "x",
    better: "higher",
    noise,
  });
  writeResult(
    values.result,
    benchResult("gateway", loadBefore, [
      ratio("/metrics render, prom-client time / gateway time", r.prom / r.own, 0.3),
      ratio("/metrics HTTP scrape, prom-client time / gateway time", r.promDelay.scrapeMs / r.ownDelay.scrapeMs, 0.3),
      ratio("ingest, one gateway / bare subscriber", one / base, 0.3),
      ratio("ingest, two gateways / one gateway", (rates["two gateways (shared)"] ?? 0) / one, 0.3),
    ]),
  );
  console.log(
    `load after: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(" ")}`,
  );
}

// The baseline subscriber: its own process, like the gateway.
async function countMessages() {
  const { readFileSync } = await import("node:fs");
  const client = await mqtt.connectAsync(values.url ?? "", {
    protocolVersion: 5,
    clientId: "bench-counter",
    ca: readFileSync(values.ca ?? ""),
    cert: readFileSync(values.cert ?? ""),
    key: readFileSync(values.key ?? ""),
  });
  let count = 0;
  client.on("message", () => count++);
  await client.subscribeAsync("$share/bench-counter/edgefleet/v1/+/+/+", { qos: 1 });
  setInterval(() => process.stdout.write(`${count}\n`), 20);
}

if (values.role === "counter") await countMessages();
else await main();
