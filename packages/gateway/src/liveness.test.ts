import { FakeClock, jsonLogger } from "@edgefleet/kit";
import type { BirthPayload } from "@edgefleet/telemetry";
import { describe, expect, it } from "vitest";
import { Fleet } from "./fleet.js";
import { DeviceTimeouts, sweepIntervalMs } from "./liveness.js";

const birth: BirthPayload = {
  schemaVersion: 1,
  timestamp: 0,
  agentVersion: "1.0.0",
  hardware: { hardwareClass: "orin", arch: "arm64", accelerators: [], cpuCount: 4, memoryBytes: 1, sensors: [] },
};

function setup() {
  const clock = new FakeClock();
  const fleet = new Fleet({ countSkippedAsGaps: true, clock });
  const logged: Record<string, unknown>[] = [];
  let timedOut = 0;
  const timeouts = new DeviceTimeouts({
    fleet,
    timeoutMs: 3_000,
    clock,
    timedOut: () => timedOut++,
    log: jsonLogger({ write: (l) => logged.push(JSON.parse(l)) }),
  });
  return { fleet, timeouts, clock, logged, timedOut: () => timedOut };
}

describe("DeviceTimeouts", () => {
  it("sweeps every tenth of the timeout, within 100ms..5s", () => {
    expect([500, 3_000, 45_000, 600_000].map(sweepIntervalMs)).toEqual([100, 300, 4_500, 5_000]);
  });

  it("counts and logs each silent device once, and sweeps only while connected to the broker", () => {
    const { fleet, timeouts, clock, logged, timedOut } = setup();
    timeouts.start();
    timeouts.start();
    expect(clock.dueIn()).toEqual([300]);
    fleet.birth({ site: "s", node: "a" }, birth, false);
    clock.advance(5_000);
    expect(fleet.deviceStates()).toEqual({ online: 1, offline: 0 });

    timeouts.brokerConnection(true);
    clock.advance(2_999);
    expect(fleet.deviceStates()).toEqual({ online: 1, offline: 0 });
    clock.advance(1);
    clock.advance(300);
    expect(fleet.deviceStates()).toEqual({ online: 0, offline: 1 });
    expect(timedOut()).toBe(1);
    expect(logged.map((l) => [l.msg, l.node])).toEqual([["device silent for the device timeout: marked offline", "a"]]);

    timeouts.stop();
    expect(clock.pending).toBe(0);
  });
});
