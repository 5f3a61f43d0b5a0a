import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { concreteQuery, dashboardFiles, dashboardQueries, ruleFiles } from "@edgefleet/dashboards";
import type { Sample as TelemetrySample } from "@edgefleet/telemetry";
import { METRIC_UNITS, METRICS } from "@edgefleet/telemetry";
import type { MqttClient } from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AgentProcess } from "../agent/agent-process.js";
import { startTestPrometheus, type TestPrometheus } from "../helpers/prometheus.js";
import { type GatewayProcess, startGateway } from "../telemetry/gateway-process.js";
import { birth, json, telemetry, topic } from "../telemetry/payloads.js";
import { SITE, startTlsBroker, type TlsBroker } from "../telemetry/tls-broker.js";
import { type OperatorExporter, startOperatorExporter } from "./operator-exporter.js";

/*
 * The SRE kit against the real thing: Prometheus 2.42 with the kit's rules scrapes the real
 * gateway, which real agents (and one publisher sending every sensor metric, inference, artifact
 * failures and a seq gap) feed over the real Mosquitto with the shipped TLS config and ACL. The
 * operator's families come from its own metric builders (operator-exporter.ts). Alert `for`
 * durations are shortened to seconds; everything else is the shipped rule files.
 */

const FOR = "2s";
let dir: string;
let tls: TlsBroker;
let gateway: GatewayProcess;
let exporter: OperatorExporter;
let prom: TestPrometheus;
const agents: AgentProcess[] = [];
let publisher: MqttClient;
let publishing: NodeJS.Timeout;
const hotZone = () => join(dir, "sysfs", "sys/class/thermal/thermal_zone0/temp");

function agent(node: string, extra: string[]): AgentProcess {
  const id = tls.identityDir(node);
  const a = new AgentProcess({
    brokerUrl: tls.url,
    spoolDir: join(dir, `spool-${node}`),
    site: SITE,
    node,
    extra: [
      ...["--tls-ca", join(id, "ca.crt"), "--tls-cert", join(id, "tls.crt"), "--tls-key", join(id, "tls.key")],
      ...["--interval", "500ms", "--keepalive", "2"],
      ...extra,
    ],
  });
  agents.push(a);
  return a;
}

/** Every sensor metric the schema knows, with labels as real sensors name them. */
function allSamples(seq: number): TelemetrySample[] {
  const labels: Partial<Record<(typeof METRICS)[number], Record<string, string>>> = {
    thermal_zone_temperature_celsius: { zone: "cpu-thermal", id: "thermal_zone0" },
    cooling_device_state_ratio: { device: "pwm-fan", id: "cooling_device0" },
    hwmon_temperature_celsius: { chip: "coretemp", sensor: "temp1" },
    hwmon_power_watts: { chip: "ina3221", sensor: "power1" },
    rapl_energy_joules: { domain: "package-0" },
    rapl_power_watts: { domain: "package-0" },
    rail_power_watts: { rail: "VDD_IN" },
    throttled: { component: "gpu" },
    cpu_utilization_ratio: { cpu: "all" },
  };
  const values: Partial<Record<(typeof METRICS)[number], number>> = {
    rapl_energy_joules: 1000 + 9 * seq,
    memory_total_bytes: 16e9,
    memory_available_bytes: 9e9,
    gpu_memory_used_bytes: 2e9,
    throttled: 0,
  };
  return METRICS.map((metric) => ({
    metric,
    unit: METRIC_UNITS[metric],
    value: values[metric] ?? (METRIC_UNITS[metric] === "ratio" ? 0.4 : 50),
    labels: labels[metric] ?? (metric.startsWith("gpu_") ? { gpu: "0" } : {}),
  }));
}

function shortenedRules(): string[] {
  const rulesDir = join(dir, "rules");
  mkdirSync(rulesDir);
  return ruleFiles().map((f) => {
    const path = join(rulesDir, f.name);
    writeFileSync(path, readFileSync(f.path, "utf8").replace(/^(\s+)for: .*$/gm, `$1for: ${FOR}`));
    return path;
  });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "edgefleet-sre-"));
  mkdirSync(join(hotZone(), ".."), { recursive: true });
  writeFileSync(join(hotZone(), "..", "type"), "cpu-thermal\n");
  writeFileSync(hotZone(), "47000\n");
  tls = await startTlsBroker();
  gateway = await startGateway({ broker: tls });
  exporter = await startOperatorExporter();
  prom = await startTestPrometheus({
    jobs: [
      { job: "edgefleet-telemetry-gateway", targets: [`127.0.0.1:${gateway.port}`] },
      { job: "edgefleet-operator", targets: [`127.0.0.1:${exporter.port}`] },
    ],
    ruleFiles: shortenedRules(),
  });
  agent("orin-07", ["--sensors", "simulated,thermal", "--sysfs-root", join(dir, "sysfs"), "--simulated-seed", "7"]);
  agent("orin-08", ["--sensors", "simulated", "--simulated-seed", "8"]);

  publisher = await tls.connect("xavier-09");
  await publisher.publishAsync(topic("xavier-09", "birth"), json(birth("jetson-xavier")), { qos: 1, retain: true });
  let seq = 0;
  publishing = setInterval(() => {
    seq += seq === 5 ? 2 : 1; // one lost message: a sequence gap
    const inference = ["2026.11.1", "2026.12.0"].map((version, i) => ({
      namespace: "vision",
      model: "detector",
      version,
      variant: "trt-fp16",
      runtime: "tensorrt",
      requests: 40,
      errors: i,
      latencyBucketCounts: [0, 0, 2, 20, 12, 3, 1, 1, 0, 0, 0, 0, 0],
      latencySumSeconds: 0.4,
    }));
    const payload = telemetry(seq, {
      samples: allSamples(seq),
      inference,
      spool: { pendingMessages: seq % 4, bytes: 8192 * (1 + (seq % 4)), droppedMessages: seq > 10 ? seq - 10 : 0 },
      artifactFailures:
        seq % 3 === 0 ? [{ namespace: "vision", model: "detector", version: "2026.12.0", reason: "digest-mismatch", count: 1 }] : [],
      readErrors: seq % 2,
    });
    publisher.publishAsync(topic("xavier-09", "telemetry"), json(payload), { qos: 1 }).catch(() => {});
  }, 500);
}, 120_000);

afterAll(async () => {
  clearInterval(publishing);
  await Promise.all(agents.map((a) => a.kill()));
  await publisher?.endAsync(true).catch(() => {});
  await prom?.stop();
  await exporter?.stop();
  await gateway?.stop();
  await tls?.dispose();
  rmSync(dir, { recursive: true, force: true });
});

const firing = (alertname: string) => `ALERTS{alertname="${alertname}", alertstate="firing"}`;

describe("SRE kit on a real Prometheus scraping the real gateway", () => {
  it("sees every device and evaluates every rule without error", async () => {
    await prom.waitFor('count(edgefleet_device_up{job="edgefleet-telemetry-gateway"} == 1) == 3', { timeoutMs: 60_000 });
    // Every rule has been evaluated once its health is no longer "unknown".
    const deadline = Date.now() + 30_000;
    let rules = await prom.rules();
    while (rules.some((r) => r.health === "unknown") && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 250));
      rules = await prom.rules();
    }
    expect(rules.length).toBe(ruleFiles().flatMap((f) => f.groups.flatMap((g) => g.rules)).length);
    expect(rules.filter((r) => r.health !== "ok").map((r) => `${r.name}: ${r.health} ${r.lastError ?? ""}`)).toEqual([]);
  });

  it("fires the over-temperature alert for the device that heats up, and only for it", async () => {
    writeFileSync(hotZone(), "91500\n");
    const samples = await prom.waitFor(firing("EdgefleetDeviceOverTemperature"), { timeoutMs: 60_000 });
    expect(samples.map((s) => [s.metric.node, s.metric.severity])).toEqual([["orin-07", "critical"]]);
    const alert = (await prom.alerts()).find((a) => a.labels.alertname === "EdgefleetDeviceOverTemperature");
    expect(alert?.annotations.description).toContain("reads 91.5 °C");
    expect(alert?.annotations.runbook_url).toBe("docs/runbooks.md#edgefleetdeviceovertemperature");
  });

  it("fires the offline alert when an agent dies without a word (its last will)", async () => {
    expect(await prom.query(firing("EdgefleetDeviceOffline"))).toEqual([]);
    await agents[1]?.kill();
    const samples = await prom.waitFor(firing("EdgefleetDeviceOffline"), { timeoutMs: 60_000 });
    expect(samples.map((s) => s.metric.node)).toEqual(["orin-08"]);
  });

  it("parses every dashboard query and finds data for every panel", async () => {
    const problems: string[] = [];
    let panels = 0;
    for (const [file, text] of Object.entries(dashboardFiles())) {
      const byPanel = new Map<string, string[]>();
      for (const q of dashboardQueries(file, JSON.parse(text))) {
        const key = q.panel === undefined ? q.where : `panel "${q.panel}"`;
        byPanel.set(key, [...(byPanel.get(key) ?? []), concreteQuery(q.expr, "15s")]);
      }
      panels += byPanel.size;
      for (const [where, exprs] of byPanel) {
        try {
          // query() throws on a query Prometheus cannot parse; a panel has data once any of its queries returns a sample.
          const deadline = Date.now() + 30_000;
          for (;;) {
            const results = await Promise.all(exprs.map((e) => prom.query(e)));
            if (results.some((r) => r.length > 0)) break;
            if (Date.now() > deadline) {
              problems.push(`${file} ${where}: no data from ${exprs.join(" | ")}`);
              break;
            }
            await new Promise((r) => setTimeout(r, 500));
          }
        } catch (err) {
          problems.push(`${file} ${where}: ${(err as Error).message}`);
        }
      }
    }
    expect(problems).toEqual([]);
    expect(panels).toBeGreaterThan(60);
  });
});
