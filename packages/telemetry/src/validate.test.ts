import { describe, expect, it } from "vitest";
import { sample } from "./sample.js";
import { MAX_PAYLOAD_BYTES, MAX_SAMPLES, type TelemetryPayload } from "./schema.js";
import { validateMessage } from "./validate.js";

const TOPIC = "edgefleet/v1/site-a/node-1/telemetry";

const telemetry: TelemetryPayload = {
  schemaVersion: 1,
  seq: 42,
  timestamp: 1_763_700_000_000,
  samples: [
    sample("thermal_zone_temperature_celsius", 48.5, { zone: "cpu-thermal", id: "thermal_zone0" }),
    sample("rail_power_watts", 7.2, { rail: "VDD_GPU_SOC" }),
  ],
  inference: [
    {
      namespace: "vision",
      model: "detector",
      version: "2026.11.1",
      variant: "onnx-fp32",
      runtime: "onnx",
      requests: 10,
      errors: 1,
      latencyBucketCounts: [0, 0, 2, 5, 2, 0, 0, 0, 0, 0, 0, 0, 0],
      latencySumSeconds: 0.041,
    },
  ],
  spool: { pendingMessages: 0, bytes: 4096, droppedMessages: 0 },
  artifactFailures: [{ namespace: "vision", model: "detector", version: "2026.11.2", reason: "digest-mismatch", count: 1 }],
  readErrors: 0,
};

function rejection(topic: string, body: string | Uint8Array) {
  const result = validateMessage(topic, body);
  if (result.ok) throw new Error("expected a rejection");
  return result;
}

describe("validateMessage", () => {
  it("accepts a telemetry payload, as text or bytes, typed by its topic", () => {
    const text = JSON.stringify(telemetry);
    for (const body of [text, new TextEncoder().encode(text)]) {
      const result = validateMessage(TOPIC, body);
      expect(result).toEqual({ ok: true, topic: { site: "site-a", node: "node-1", kind: "telemetry" }, payload: telemetry });
    }
  });

  it("accepts birth and death payloads", () => {
    const birth = {
      schemaVersion: 1,
      timestamp: 1,
      agentVersion: "0.1.0",
      hardware: {
        hardwareClass: "jetson-orin-nano",
        arch: "arm64",
        accelerators: ["nvidia-gpu"],
        cpuCount: 6,
        memoryBytes: 8e9,
        sensors: ["thermal"],
      },
    };
    expect(validateMessage("edgefleet/v1/s/n/birth", JSON.stringify(birth)).ok).toBe(true);
    expect(validateMessage("edgefleet/v1/s/n/death", '{"schemaVersion":1,"timestamp":5,"reason":"shutdown"}').ok).toBe(true);
  });

  it("rejects a wrong topic before looking at the payload", () => {
    expect(rejection("edgefleet/v1/s/n/status", "not json")).toMatchObject({ code: "wrong-topic", reason: /unknown message kind/ });
  });

  it("rejects an oversized payload without parsing it", () => {
    const body = "x".repeat(MAX_PAYLOAD_BYTES.death + 1);
    expect(rejection("edgefleet/v1/s/n/death", body)).toMatchObject({
      code: "oversized",
      reason: "death payload is 1025 bytes, the limit is 1024",
    });
  });

  it("rejects malformed JSON and non-objects", () => {
    expect(rejection(TOPIC, '{"schemaVersion":1,').code).toBe("malformed-json");
    expect(rejection(TOPIC, "[1]")).toMatchObject({ code: "invalid-payload", reason: "payload is not a JSON object" });
  });

  it("reports a wrong schema version as such", () => {
    const body = JSON.stringify({ ...telemetry, schemaVersion: 2, samples: "whatever" });
    expect(rejection(TOPIC, body)).toMatchObject({ code: "wrong-schema-version", reason: "schemaVersion is 2, expected 1" });
    expect(rejection(TOPIC, "{}").reason).toBe("schemaVersion is undefined, expected 1");
  });

  it.each([
    ["an unknown metric", { samples: [{ metric: "fan_rpm", unit: "ratio", value: 1, labels: {} }] }, /^\/samples\/0\/metric/],
    [
      "a unit that is not the metric's",
      { samples: [{ ...sample("rail_power_watts", 1, {}), unit: "joules" }] },
      /rail_power_watts is in watts, not joules/,
    ],
    ["too many labels", { samples: [sample("rail_power_watts", 1, { a: "1", b: "2", c: "3", d: "4", e: "5" })] }, /^\/samples\/0\/labels/],
    ["an overlong label value", { samples: [sample("rail_power_watts", 1, { rail: "x".repeat(65) })] }, /^\/samples\/0\/labels\/rail/],
    ["a negative sequence number", { seq: -1 }, /^\/seq/],
    [
      "a latency histogram with too few buckets",
      { inference: [{ ...telemetry.inference[0], latencyBucketCounts: [1] }] },
      /^\/inference\/0\/latencyBucketCounts/,
    ],
    [
      "more right answers than evaluations",
      { inference: [{ ...telemetry.inference[0], evaluations: 2, evaluationsCorrect: 3 }] },
      /^\/inference\/0: evaluationsCorrect \(3\) and evaluations \(2\) go together, correct at most evaluations/,
    ],
    [
      "right answers without evaluations",
      { inference: [{ ...telemetry.inference[0], evaluationsCorrect: 3 }] },
      /^\/inference\/0: evaluationsCorrect \(3\) and evaluations \(undefined\)/,
    ],
    ["a missing spool state", { spool: undefined }, /^\/spool/],
    ["an extra field", { extra: true }, /^\/extra|^\//],
    ["too many samples", { samples: Array.from({ length: MAX_SAMPLES + 1 }, () => sample("throttled", 0, {})) }, /^\/samples/],
  ])("rejects %s", (_what, change, reason) => {
    expect(rejection(TOPIC, JSON.stringify({ ...telemetry, ...change }))).toMatchObject({ code: "invalid-payload", reason });
  });
});
