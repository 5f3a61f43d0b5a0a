import { jsonLogger } from "@edgefleet/kit";
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
  let now = 0;
  const fleet = new Fleet({ countSkippedAsGaps: true, monotonic: () => now });
  const ticks: { fn: () => void; ms: number }[] = [];
  const timers = {
    setInterval: (fn: () => void, ms: number) => ticks.push({ fn, ms }),
    clearInterval: (handle: unknown) => ticks.splice((handle as number) - 1, 1),
  };
  const logged: Record<string, unknown>[] = [];
  let timedOut = 0;
  const timeouts = new DeviceTimeouts({
    fleet,
    timeoutMs: 3_000,
    timers,
    timedOut: () => timedOut++,
    log: jsonLogger({ write: (l) => logged.push(JSON.parse(l)) }),
  });
  const tick = (ms: number) => {
    now += ms;
    for (const t of ticks) t.fn();
  };
  return { fleet, timeouts, ticks, logged, tick, timedOut: () => timedOut };
}

describe("DeviceTimeouts", () => {
  it("sweeps every tenth of the timeout, within 100ms..5s", () => {
    expect([500, 3_000, 45_000, 600_000].map(sweepIntervalMs)).toEqual([100, 300, 4_500, 5_000]);
  });

  it("counts and logs each silent device once, and sweeps only while connected to the broker", () => {
    const { fleet, timeouts, ticks, logged, tick, timedOut } = setup();
    timeouts.start();
    timeouts.start();
    expect(ticks.map((t) => t.ms)).toEqual([300]);
    fleet.birth({ site: "s", node: "a" }, birth, false);
    tick(5_000);
    expect(fleet.deviceStates()).toEqual({ online: 1, offline: 0 });

    timeouts.brokerConnection(true);
    tick(2_999);
    expect(fleet.deviceStates()).toEqual({ online: 1, offline: 0 });
    tick(1);
    tick(300);
    expect(fleet.deviceStates()).toEqual({ online: 0, offline: 1 });
    expect(timedOut()).toBe(1);
    expect(logged.map((l) => [l.msg, l.node])).toEqual([["device silent for the device timeout: marked offline", "a"]]);

    timeouts.stop();
    expect(ticks).toEqual([]);
  });
});
