import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { useTempDirs } from "@edgefleet/kit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RuntimeProcess, startRuntime, testModels } from "../runtime/runtime-process.js";
import { eventually, parseExposition, seriesValue } from "../telemetry/exposition.js";
import { type GatewayProcess, startGateway } from "../telemetry/gateway-process.js";
import { SITE, startTlsBroker, type TlsBroker } from "../telemetry/tls-broker.js";
import { AgentProcess } from "./agent-process.js";

const tempDir = useTempDirs("agent-e2e");
const NODE = "orin-07";
const device = { site: SITE, node: NODE, hardware_class: "orin-agx" };

let tls: TlsBroker;
let gateway: GatewayProcess;
let agent: AgentProcess | undefined;
let runtime: RuntimeProcess;
const models = testModels();
const model = { namespace: "vision", model: "detector", version: "1.0.0", variant: "onnx-fp32", runtime: "onnx" };

beforeAll(async () => {
  tls = await startTlsBroker();
  // Unshared, so the gateway counts sequence gaps from the seq numbers themselves.
  gateway = await startGateway({ broker: tls, sharedGroup: "" });
  runtime = await startRuntime(["--model-name=detector", "--model-version=1.0.0", `--model-path=${models.path("detector")}`]);
});
afterAll(async () => {
  await agent?.kill();
  await gateway?.stop();
  await tls?.dispose();
  await runtime?.stop();
  models.remove();
});

describe("CPU runtime <- agent -> Mosquitto (shipped TLS config and ACL) -> gateway -> /metrics", () => {
  it("lands the agent's birth, sensor telemetry and probed inference latency under the contract's names, and its death as device_up 0", async () => {
    const identity = tls.identityDir(NODE);
    const targets = join(tempDir(), "targets.json");
    writeFileSync(targets, JSON.stringify([{ baseUrl: runtime.url, ...model }]));
    agent = new AgentProcess({
      brokerUrl: tls.url,
      spoolDir: tempDir(),
      site: SITE,
      node: NODE,
      extra: [
        "--interval",
        "200ms",
        "--tls-ca",
        join(identity, "ca.crt"),
        "--tls-cert",
        join(identity, "tls.crt"),
        "--tls-key",
        join(identity, "tls.key"),
        "--inference-targets",
        targets,
        "--probe-interval",
        "100ms",
      ],
    });
    const samples = await eventually(async () => {
      const s = parseExposition(await gateway.metrics());
      expect(seriesValue(s, "edgefleet_device_up", device)).toBe(1);
      expect(seriesValue(s, "edgefleet_gateway_messages_total", { kind: "telemetry", result: "accepted" })).toBeGreaterThanOrEqual(3);
      expect(seriesValue(s, "edgefleet_inference_requests_total", { ...device, ...model })).toBeGreaterThanOrEqual(3);
      return s;
    }, 20_000);
    // The latency prober's measurements of the real CPU runtime, as a histogram with the fixed buckets.
    expect(seriesValue(samples, "edgefleet_inference_latency_seconds_count", { ...device, ...model })).toBeGreaterThanOrEqual(3);
    expect(seriesValue(samples, "edgefleet_inference_latency_seconds_bucket", { ...device, ...model, le: "+Inf" })).toBeGreaterThanOrEqual(
      3,
    );
    expect(seriesValue(samples, "edgefleet_inference_errors_total", { ...device, ...model })).toBe(0);
    expect(seriesValue(samples, "edgefleet_device_info", { ...device, agent_version: "0.1.0" })).toBe(1);
    expect(seriesValue(samples, "edgefleet_device_rail_power_watts", { ...device, rail: "total" })).toBeGreaterThan(0);
    expect(
      seriesValue(samples, "edgefleet_device_thermal_zone_temperature_celsius", { ...device, zone: "soc", id: "simulated" }),
    ).toBeGreaterThan(20);
    expect(seriesValue(samples, "edgefleet_device_throttled", { ...device, component: "soc" })).toBe(0);
    expect(seriesValue(samples, "edgefleet_device_spool_dropped_messages_total", device)).toBe(0);
    expect(seriesValue(samples, "edgefleet_device_spool_pending_messages", device)).toBeDefined();
    expect(seriesValue(samples, "edgefleet_device_spool_bytes", device)).toBeGreaterThan(0);
    expect(seriesValue(samples, "edgefleet_gateway_rejected_messages_total", { reason: "invalid-payload" }) ?? 0).toBe(0);
    expect(seriesValue(samples, "edgefleet_gateway_sequence_gaps_total", { site: SITE, node: NODE }) ?? 0).toBe(0);

    agent.signal("SIGTERM");
    expect(await agent.exited).toBe(0);
    await eventually(async () => {
      expect(seriesValue(parseExposition(await gateway.metrics()), "edgefleet_device_up", device)).toBe(0);
    });
  });
});
