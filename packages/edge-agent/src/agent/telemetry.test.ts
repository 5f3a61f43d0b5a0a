import { MAX_PAYLOAD_BYTES, MAX_SAMPLES, sample, validateMessage } from "@edgefleet/telemetry";
import { describe, expect, it } from "vitest";
import { hwmonSensor } from "../sensors/hwmon.js";
import { fixture } from "../testing/fixtures.js";
import { encodeTelemetry, type TelemetryParts } from "./telemetry.js";

const TOPIC = "edgefleet/v1/plant-3/orin-07/telemetry";
const parts = (samples: TelemetryParts["samples"]): TelemetryParts => ({
  seq: 7,
  timestamp: 1_763_700_000_000,
  samples,
  inference: [],
  artifactFailures: [],
  spool: { pendingMessages: 1, bytes: 100, droppedMessages: 2 },
  readErrors: 1,
});
const decode = (body: Buffer) => JSON.parse(body.toString());

describe("encodeTelemetry", () => {
  it("encodes a payload the gateway's validator accepts", () => {
    const { body, droppedSamples } = encodeTelemetry(parts([sample("rail_power_watts", 6.5, { rail: "VDD_IN" })]));
    expect(validateMessage(TOPIC, body)).toMatchObject({ ok: true, payload: { seq: 7, readErrors: 1 } });
    expect(droppedSamples).toEqual({ "non-finite": 0, invalid: 0, "over-limit": 0 });
  });

  it("turns non-finite values into read errors", () => {
    const samples = [sample("rail_power_watts", Number.NaN, { rail: "a" }), sample("rail_power_watts", 1, { rail: "b" })];
    const { body, droppedSamples } = encodeTelemetry(parts(samples));
    expect(decode(body)).toMatchObject({ samples: [{ value: 1 }], readErrors: 2 });
    expect(droppedSamples).toMatchObject({ "non-finite": 1 });
    expect(validateMessage(TOPIC, body).ok).toBe(true);
  });

  it("cuts samples past the count and byte limits, counted", () => {
    const many = Array.from({ length: 2_000 }, (_, i) =>
      sample("thermal_zone_temperature_celsius", i, { zone: `zone-${"x".repeat(50)}-${i}`, id: `thermal_zone${i}` }),
    );
    const { body, droppedSamples } = encodeTelemetry(parts(many));
    expect(body.length).toBeLessThanOrEqual(MAX_PAYLOAD_BYTES.telemetry);
    const kept = decode(body).samples.length;
    expect(kept).toBeLessThan(MAX_SAMPLES);
    expect(kept).toBeGreaterThan(MAX_SAMPLES / 4);
    expect(droppedSamples).toEqual({ "non-finite": 0, invalid: 0, "over-limit": 2_000 - kept });
    expect(validateMessage(TOPIC, body).ok).toBe(true);
  });

  it("leaves out a sample with a label the schema refuses, alone, so the node's message still validates (recorded broken hwmon tree)", async () => {
    const { samples } = await hwmonSensor({ root: fixture("broken") }).read();
    const { body, droppedSamples, firstProblem } = encodeTelemetry(parts(samples));
    expect(validateMessage(TOPIC, body).ok).toBe(true);
    expect(decode(body).samples.map((s: { labels: Record<string, string> }) => s.labels)).toEqual([
      { chip: "ina226", sensor: "power1" },
      { chip: "nct6775", sensor: "temp2" },
      { chip: "nct6775", sensor: "CPUTIN" },
    ]);
    expect(droppedSamples).toEqual({ "non-finite": 0, invalid: 1, "over-limit": 0 });
    expect(firstProblem).toMatch(/^hwmon_temperature_celsius \/labels\/sensor: /);
    // Any label the schema refuses, not only hwmon's.
    const bad = [sample("rail_power_watts", 1, { rail: "" }), sample("rail_power_watts", 1, { rail: "r".repeat(65) })];
    expect(encodeTelemetry(parts(bad)).droppedSamples.invalid).toBe(2);
  });
});
