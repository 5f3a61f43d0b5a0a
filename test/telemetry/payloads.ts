import type { BirthPayload, DeathPayload, TelemetryPayload } from "@edgefleet/telemetry";
import { buildTopic } from "@edgefleet/telemetry";
import { SITE } from "./tls-broker.js";

/** Schema-valid payloads as an agent sends them, for publishers built in the tests. */

export const topic = (node: string, kind: "birth" | "telemetry" | "death", site = SITE) => buildTopic({ site, node, kind });

export function birth(hardwareClass = "jetson-orin"): BirthPayload {
  return {
    schemaVersion: 1,
    timestamp: Date.now(),
    agentVersion: "0.1.0",
    hardware: { hardwareClass, arch: "arm64", accelerators: [], cpuCount: 8, memoryBytes: 8_000_000_000, sensors: ["thermal", "ina3221"] },
  };
}

export function telemetry(seq: number, over: Partial<TelemetryPayload> = {}): TelemetryPayload {
  return {
    schemaVersion: 1,
    seq,
    timestamp: Date.now(),
    samples: [
      { metric: "thermal_zone_temperature_celsius", unit: "celsius", value: 48.25, labels: { zone: "cpu-thermal", id: "thermal_zone0" } },
      { metric: "rail_power_watts", unit: "watts", value: 6.39, labels: { rail: "VDD_GPU_SOC" } },
      { metric: "rapl_energy_joules", unit: "joules", value: 1000 + seq, labels: { domain: "package-0" } },
    ],
    inference: [
      {
        namespace: "vision",
        model: "detector",
        version: "2026.11.1",
        variant: "trt-fp16",
        runtime: "tensorrt",
        requests: 20,
        errors: 1,
        latencyBucketCounts: [0, 0, 3, 15, 1, 0, 0, 0, 0, 0, 0, 0, 0],
        latencySumSeconds: 0.0874,
      },
    ],
    spool: { pendingMessages: 0, bytes: 8192, droppedMessages: 0 },
    artifactFailures: [],
    readErrors: 0,
    ...over,
  };
}

export function death(reason: DeathPayload["reason"] = "shutdown"): DeathPayload {
  return { schemaVersion: 1, timestamp: Date.now(), reason };
}

export const json = (payload: unknown) => JSON.stringify(payload);
