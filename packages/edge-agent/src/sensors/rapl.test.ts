import { FakeClock } from "@edgefleet/kit";
import { afterEach, describe, expect, it } from "vitest";
import { fixture, fixtureCopy } from "../testing/fixtures.js";
import { energyDeltaMicrojoules, raplSensor } from "./rapl.js";

const ZONE = "sys/class/powercap/intel-rapl:0";
const RANGE = 262143328850;

describe("energyDeltaMicrojoules", () => {
  it("subtracts, or adds the rest of the range across a wrap", () => {
    expect(energyDeltaMicrojoules(1_000, 6_000, RANGE)).toBe(5_000);
    expect(energyDeltaMicrojoules(RANGE - 2_000, 3_000, RANGE)).toBe(5_000);
    expect(energyDeltaMicrojoules(7, 7, RANGE)).toBe(0);
  });
});

describe("RAPL sensor", () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    await Promise.all(cleanups.splice(0).map((c) => c()));
  });

  it("first reports each zone's counter in joules, no watts yet", async () => {
    const reading = await raplSensor({ root: fixture("x86-rapl"), clock: new FakeClock() }).read();
    expect(reading.errors).toEqual([]);
    expect(reading.samples).toEqual([
      { metric: "rapl_energy_joules", unit: "joules", value: 74203.812933, labels: { domain: "package-0", id: "intel-rapl:0" } },
      { metric: "rapl_energy_joules", unit: "joules", value: 31987.421005, labels: { domain: "core", id: "intel-rapl:0:0" } },
      { metric: "rapl_energy_joules", unit: "joules", value: 1203.334781, labels: { domain: "uncore", id: "intel-rapl:0:1" } },
    ]);
  });

  it("keeps the joules total growing across a counter wrap and reports watts between reads", async () => {
    const tree = await fixtureCopy("x86-rapl");
    cleanups.push(tree.remove);
    const clock = new FakeClock();
    const sensor = raplSensor({ root: tree.root, clock });
    await tree.write(`${ZONE}/energy_uj`, String(RANGE - 10_000_000));
    await sensor.read();

    clock.advance(2_000);
    await tree.write(`${ZONE}/energy_uj`, "20000000"); // wrapped: 10 J to the top, 20 J after
    const { samples } = await sensor.read();
    const pkg = samples.filter((s) => s.labels.id === "intel-rapl:0");
    expect(pkg).toEqual([
      { metric: "rapl_power_watts", unit: "watts", value: 15, labels: { domain: "package-0", id: "intel-rapl:0" } },
      {
        metric: "rapl_energy_joules",
        unit: "joules",
        value: (RANGE - 10_000_000) / 1e6 + 30,
        labels: { domain: "package-0", id: "intel-rapl:0" },
      },
    ]);
  });

  it("counts an unreadable energy counter (root-only since Linux 5.10) and goes on", async () => {
    const reading = await raplSensor({ root: fixture("broken"), clock: new FakeClock() }).read();
    expect(reading).toEqual({ samples: [], errors: [{ source: `${ZONE}/energy_uj`, message: "ENOENT" }] });
  });
});
