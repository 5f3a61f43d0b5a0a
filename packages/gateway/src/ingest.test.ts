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

  it("never throws on arbitrary bytes", () => {
    const { deliver } = setup();
    for (const payload of [new Uint8Array([0xff, 0xfe, 0x00]), bytes("null"), bytes("[]"), bytes('{"schemaVersion":1}')])
      expect(() => deliver({ topic: "edgefleet/v1/s/n/birth", payload, retained: false })).not.toThrow();
  });
});
