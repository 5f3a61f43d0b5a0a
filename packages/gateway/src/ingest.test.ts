import { FakeClock, jsonLogger } from "@edgefleet/kit";
import { describe, expect, it } from "vitest";
import { Fleet } from "./fleet.js";
import { ingester } from "./ingest.js";
import type { GatewayMetrics } from "./metrics.js";

function setup() {
  const counted: string[] = [];
  const metrics: GatewayMetrics = {
    message: (kind, result) => counted.push(`${kind}/${result}`),
    rejected: (code) => counted.push(code),
    dropped: (reason) => counted.push(`dropped/${reason}`),
    connected: () => {},
    deviceTimedOut: () => {},
  };
  const logged: Record<string, unknown>[] = [];
  const log = jsonLogger({ write: (l) => logged.push(JSON.parse(l)) });
  const clock = new FakeClock();
  const deliver = ingester({ fleet: new Fleet({ countSkippedAsGaps: true, clock }), metrics, log, clock, logEveryMs: 10_000 });
  return { counted, logged, deliver, advance: (ms: number) => clock.advance(ms) };
}

const bytes = (s: string) => Buffer.from(s);

describe("ingester", () => {
  it("counts every rejection and its kind, and logs each code at most once per interval with what it left out", () => {
    const { counted, logged, deliver, advance } = setup();
    for (let i = 0; i < 3; i++) deliver({ topic: "edgefleet/v1/s/n/telemetry", payload: bytes("{"), retained: false });
    deliver({ topic: "edgefleet/v1/s/n/nope", payload: bytes("{}"), retained: false });
    advance(10_000);
    deliver({ topic: "edgefleet/v1/s/n/telemetry", payload: bytes("{"), retained: false });
    expect(counted.filter((c) => c === "malformed-json")).toHaveLength(4);
    expect(counted).toContain("unknown/rejected");
    expect(logged.map((l) => [l.code, l.suppressedSinceLast])).toEqual([
      ["malformed-json", 0],
      ["wrong-topic", 0],
      ["malformed-json", 2],
    ]);
  });

  it("counts and logs (rate-limited) the samples of an accepted message that make no series, and keeps the rest", () => {
    const { counted, logged, deliver } = setup();
    const sample = (labels: Record<string, string>) => ({ metric: "throttled", unit: "flag", value: 1, labels });
    const message = (seq: number) =>
      bytes(
        JSON.stringify({
          schemaVersion: 1,
          seq,
          timestamp: 0,
          samples: [sample({ site: "a", exported_site: "b" }), sample({ component: "gpu" })],
          inference: [],
          spool: { pendingMessages: 0, bytes: 0, droppedMessages: 0 },
          artifactFailures: [],
          readErrors: 0,
        }),
      );
    deliver({ topic: "edgefleet/v1/s/n/telemetry", payload: message(1), retained: false });
    deliver({ topic: "edgefleet/v1/s/n/telemetry", payload: message(2), retained: false });
    expect(counted).toEqual(["telemetry/accepted", "dropped/duplicate-label-name", "telemetry/accepted", "dropped/duplicate-label-name"]);
    expect(logged.map((l) => [l.msg, l.code])).toEqual([["dropped an entry of a telemetry message", "duplicate-label-name"]]);
  });

  it("takes an empty birth (a cleared retained birth) as the device's retirement, not as malformed", () => {
    const { counted, logged, deliver } = setup();
    deliver({ topic: "edgefleet/v1/s/n/birth", payload: new Uint8Array(), retained: false });
    deliver({ topic: "edgefleet/v1/s/n/telemetry", payload: new Uint8Array(), retained: false });
    expect(counted).toEqual(["birth/accepted", "malformed-json", "telemetry/rejected"]);
    expect(logged[0]).toMatchObject({ msg: "device retired: its retained birth was cleared", node: "n", known: false });
  });

  it("never throws on arbitrary bytes", () => {
    const { deliver } = setup();
    for (const payload of [new Uint8Array([0xff, 0xfe, 0x00]), bytes("null"), bytes("[]"), bytes('{"schemaVersion":1}')])
      expect(() => deliver({ topic: "edgefleet/v1/s/n/birth", payload, retained: false })).not.toThrow();
  });
});
