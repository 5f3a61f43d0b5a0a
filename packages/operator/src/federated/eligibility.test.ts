import { describe, expect, it } from "vitest";
import type { MetricsSource } from "../rollout/metrics-source.js";
import { node } from "../testing/fleet.js";
import { eligibility, readTelemetry, telemetryQueries } from "./eligibility.js";

const fleet = [
  node("orin-1", { labels: { "edgefleet.io/hardware-class": "jetson-orin", "edgefleet.io/site": "a" } }),
  node("orin-2", { labels: { "edgefleet.io/hardware-class": "jetson-orin", "edgefleet.io/site": "b" } }),
  node("nuc-1", { labels: { "edgefleet.io/hardware-class": "intel-nuc", "edgefleet.io/site": "a" } }),
];

describe("eligibility", () => {
  it("takes every node without rules", () => {
    expect(eligibility(undefined, fleet, undefined)).toEqual({ eligible: ["nuc-1", "orin-1", "orin-2"], excluded: [], unmatched: [] });
  });

  it("keeps the listed hardware classes and the selected labels, saying why the others are out", () => {
    const out = eligibility({ hardwareClasses: ["jetson-orin"], nodeSelector: { "edgefleet.io/site": "a" } }, fleet, undefined);
    expect(out.eligible).toEqual(["orin-1"]);
    expect(out.excluded).toEqual([]);
    expect(out.unmatched).toEqual([
      { node: "nuc-1", reason: "hardware class intel-nuc is not in jetson-orin" },
      { node: "orin-2", reason: 'label edgefleet.io/site is "b", not "a"' },
    ]);
  });

  it("leaves out hot, throttling and flapping nodes; a node with no reading stays in", () => {
    const readings = new Map([
      ["orin-1", { temperatureCelsius: 91.26 }],
      ["orin-2", { throttled: true, temperatureCelsius: 60 }],
      ["nuc-1", { disconnects: 4 }],
      ["x86-2", { cpuUtilization: 0.912, temperatureCelsius: 50 }],
      ["x86-3", { cpuUtilization: 0.8 }],
    ]);
    const rules = { maxTemperatureCelsius: 85, excludeThrottled: true, maxRecentDisconnects: 3, maxCpuUtilizationPercent: 80 };
    const x86 = (name: string) => node(name, { labels: { "edgefleet.io/hardware-class": "x86-cpu" } });
    const out = eligibility(rules, [...fleet, x86("x86-1"), x86("x86-2"), x86("x86-3")], { readings });
    expect(out.eligible).toEqual(["x86-1", "x86-3"]);
    expect(out.unmatched).toEqual([]);
    expect(out.excluded.map((e) => e.reason)).toEqual([
      "4 disconnects in the last hour, more than 3",
      "temperature 91.3 °C is above 85 °C",
      "throttling",
      "CPUs 91% busy over 5 minutes, above 80%",
    ]);
  });

  it("falls back to labels when telemetry is unavailable", () => {
    expect(eligibility({ maxTemperatureCelsius: 85 }, fleet, { unavailable: "down" }).eligible).toHaveLength(3);
  });
});

describe("readTelemetry", () => {
  const source = (answers: Record<string, { labels: Record<string, string>; value: number }[]>): MetricsSource => ({
    description: "test",
    instant: async (q) => {
      const a = answers[q];
      if (!a) throw new Error(`unexpected query ${q}`);
      return a;
    },
  });

  it("asks only for what the rules use, and nothing without telemetry rules", async () => {
    expect(Object.keys(telemetryQueries({ excludeThrottled: true }))).toEqual(["throttled"]);
    expect(telemetryQueries({ maxCpuUtilizationPercent: 50 })).toEqual({
      cpuUtilization: 'max by (node) (avg_over_time(edgefleet_device_cpu_utilization_ratio{cpu="all"}[5m]))',
    });
    expect(await readTelemetry(source({}), { hardwareClasses: ["x"] })).toBeUndefined();
  });

  it("reads each node's readings", async () => {
    const q = telemetryQueries({ maxTemperatureCelsius: 80, excludeThrottled: true });
    const t = await readTelemetry(
      source({
        [q.temperatureCelsius ?? ""]: [{ labels: { node: "a" }, value: 70 }],
        [q.throttled ?? ""]: [
          { labels: { node: "a" }, value: 1 },
          { labels: { node: "b" }, value: 0 },
        ],
      }),
      { maxTemperatureCelsius: 80, excludeThrottled: true },
    );
    expect(t && "readings" in t ? Object.fromEntries(t.readings) : t).toEqual({
      a: { temperatureCelsius: 70, throttled: true },
      b: { throttled: false },
    });
  });

  it("is unavailable, with why, when Prometheus fails or is not configured", async () => {
    expect(await readTelemetry(source({}), { excludeThrottled: true })).toEqual({
      unavailable: expect.stringContaining("unexpected query"),
    });
    expect(await readTelemetry(undefined, { excludeThrottled: true })).toEqual({ unavailable: "the operator has no --prometheus-url" });
  });
});
