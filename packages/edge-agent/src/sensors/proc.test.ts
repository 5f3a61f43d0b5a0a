import { afterEach, describe, expect, it } from "vitest";
import { fixture, fixtureCopy } from "../testing/fixtures.js";
import { cpuSensor, cpuUtilization, memorySensor, parseProcStat } from "./proc.js";

describe("parseProcStat and cpuUtilization", () => {
  it("sums the busy and idle jiffies of every cpu line", () => {
    const cpus = parseProcStat("cpu  10 0 5 80 5 0 0 0 0 0\ncpu0 10 0 5 80 5 0 0 0 0 0\nintr 1 2\nctxt 3\n");
    expect([...cpus.keys()]).toEqual(["cpu", "cpu0"]);
    expect(cpus.get("cpu")).toEqual({ total: 100, idle: 85 });
  });

  it("is the busy share of the jiffies between two readings", () => {
    expect(cpuUtilization({ total: 100, idle: 85 }, { total: 300, idle: 135 })).toBe(0.75);
    expect(cpuUtilization({ total: 100, idle: 85 }, { total: 100, idle: 85 })).toBeUndefined();
  });
});

describe("cpu sensor", () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    await Promise.all(cleanups.splice(0).map((c) => c()));
  });

  it("reports utilization overall and per CPU from the second read", async () => {
    const tree = await fixtureCopy("x86-rapl");
    cleanups.push(tree.remove);
    const sensor = cpuSensor({ root: tree.root });
    expect(await sensor.read()).toEqual({ samples: [], errors: [] });
    await tree.write(
      "proc/stat",
      [
        "cpu  74708 2520 24433 1117173 6176 4054 0 0 0 0",
        "cpu0 37884 1283 12207 558036 3107 2056 0 0 0 0",
        "cpu1 36824 1237 12226 559137 3069 1998 0 0 0 0",
      ].join("\n"),
    );
    const { samples, errors } = await sensor.read();
    expect(errors).toEqual([]);
    expect(samples.map((s) => [s.labels.cpu, s.value])).toEqual([
      ["all", 0.5],
      ["cpu0", 1],
      ["cpu1", 0],
    ]);
  });

  it("counts a /proc/stat without an aggregate line", async () => {
    const reading = await cpuSensor({ root: fixture("broken") }).read();
    expect(reading.errors).toEqual([{ source: "proc/stat", message: "no aggregate cpu line" }]);
  });
});

describe("memory sensor", () => {
  it("reports total and available memory in bytes", async () => {
    const reading = await memorySensor({ root: fixture("rpi5") }).read();
    expect(reading).toEqual({
      samples: [
        { metric: "memory_total_bytes", unit: "bytes", value: 8245328 * 1024, labels: {} },
        { metric: "memory_available_bytes", unit: "bytes", value: 7543120 * 1024, labels: {} },
      ],
      errors: [],
    });
  });

  it("counts the lines it could not find", async () => {
    const reading = await memorySensor({ root: fixture("broken") }).read();
    expect(reading.samples).toEqual([]);
    expect(reading.errors.map((e) => e.message)).toEqual(["no MemTotal line", "no MemAvailable line"]);
  });
});
