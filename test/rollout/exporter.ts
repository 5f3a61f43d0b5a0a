#!/usr/bin/env -S node --import tsx
/**
 * A metrics exporter the rollout tests control, run as its own process and scraped by a real
 * Prometheus: it serves the gateway's contract series (inference latency histograms, request and
 * error counters, device power and temperature) for the series POSTed to /series, with counters
 * that grow at each series' request rate, every request observed at its series' latency; and
 * artifact refusal counters as POSTed to /refusals (each appearing at its count, as the gateway's do).
 * Usage: exporter.ts --port N
 */
import { createServer } from "node:http";
import { parseArgs } from "node:util";
import { LATENCY_BUCKETS_SECONDS } from "@edgefleet/telemetry";

export interface ExportedSeries {
  namespace: string;
  model: string;
  version: string;
  hardwareClass: string;
  node: string;
  latencySeconds: number;
  requestsPerSecond: number;
  errorRatio?: number;
  powerWatts?: number;
  temperatureCelsius?: number;
}

/** An agent's refusals of a model version's artifact, as the gateway exports them. */
export interface ExportedRefusal {
  namespace: string;
  model: string;
  version: string;
  hardwareClass: string;
  node: string;
  reason: string;
  count: number;
}

interface Counted {
  series: ExportedSeries;
  requests: number;
  errors: number;
  at: number;
}

const { values } = parseArgs({ options: { port: { type: "string" } } });
const port = Number(values.port);
if (!Number.isInteger(port) || port <= 0) {
  console.error("--port must be a TCP port");
  process.exit(2);
}

const key = (s: ExportedSeries) => [s.namespace, s.model, s.version, s.hardwareClass, s.node].join("/");
const counted = new Map<string, Counted>();
// Requests observed per series and latency bucket, cumulative as a histogram's buckets are.
const buckets = new Map<string, number[]>();
const refusals = new Map<string, ExportedRefusal>();

function advance(now: number): void {
  for (const [k, c] of counted) {
    const n = ((now - c.at) / 1000) * c.series.requestsPerSecond;
    c.requests += n;
    c.errors += n * (c.series.errorRatio ?? 0);
    c.at = now;
    const counts = buckets.get(k) ?? LATENCY_BUCKETS_SECONDS.map(() => 0);
    LATENCY_BUCKETS_SECONDS.forEach((le, i) => {
      if (c.series.latencySeconds <= le) counts[i] = (counts[i] ?? 0) + n;
    });
    buckets.set(k, counts);
  }
}

function render(): string {
  const lines: string[] = [];
  const labels = (s: ExportedSeries) =>
    `site="test",node="${s.node}",hardware_class="${s.hardwareClass}",namespace="${s.namespace}",model="${s.model}",version="${s.version}",variant="v",runtime="onnx"`;
  for (const [k, { series: s, requests, errors }] of counted) {
    const counts = buckets.get(k) ?? [];
    LATENCY_BUCKETS_SECONDS.forEach((le, i) => {
      lines.push(`edgefleet_inference_latency_seconds_bucket{${labels(s)},le="${le}"} ${counts[i] ?? 0}`);
    });
    lines.push(`edgefleet_inference_latency_seconds_bucket{${labels(s)},le="+Inf"} ${requests}`);
    lines.push(`edgefleet_inference_latency_seconds_count{${labels(s)}} ${requests}`);
    lines.push(`edgefleet_inference_latency_seconds_sum{${labels(s)}} ${requests * s.latencySeconds}`);
    lines.push(`edgefleet_inference_requests_total{${labels(s)}} ${requests}`);
    lines.push(`edgefleet_inference_errors_total{${labels(s)}} ${errors}`);
    const device = `site="test",node="${s.node}",hardware_class="${s.hardwareClass}"`;
    if (s.powerWatts !== undefined) lines.push(`edgefleet_device_gpu_power_watts{${device}} ${s.powerWatts}`);
    if (s.temperatureCelsius !== undefined) lines.push(`edgefleet_device_gpu_temperature_celsius{${device}} ${s.temperatureCelsius}`);
  }
  for (const r of refusals.values()) {
    lines.push(
      `edgefleet_artifact_verification_failures_total{site="test",node="${r.node}",hardware_class="${r.hardwareClass}",namespace="${r.namespace}",model="${r.model}",version="${r.version}",reason="${r.reason}"} ${r.count}`,
    );
  }
  return `${lines.join("\n")}\n`;
}

createServer((req, res) => {
  if (req.method === "GET" && req.url === "/metrics") {
    advance(Date.now());
    res.writeHead(200, { "Content-Type": "text/plain; version=0.0.4" }).end(render());
    return;
  }
  if (req.method === "POST" && req.url === "/refusals") {
    let body = "";
    req.on("data", (c: Buffer) => {
      body += c.toString();
    });
    req.on("end", () => {
      for (const r of JSON.parse(body) as ExportedRefusal[]) refusals.set([r.namespace, r.model, r.version, r.node, r.reason].join("/"), r);
      res.writeHead(204).end();
    });
    return;
  }
  if (req.method === "POST" && req.url === "/series") {
    let body = "";
    req.on("data", (c: Buffer) => {
      body += c.toString();
    });
    req.on("end", () => {
      const now = Date.now();
      advance(now);
      // A series keeps its counts when its settings change, as a real device's counters would.
      for (const s of JSON.parse(body) as ExportedSeries[]) {
        const before = counted.get(key(s));
        counted.set(key(s), before ? { ...before, series: s } : { series: s, requests: 0, errors: 0, at: now });
      }
      res.writeHead(204).end();
    });
    return;
  }
  res.writeHead(404).end();
}).listen(port, "127.0.0.1", () => console.log(`exporter listening on ${port}`));
