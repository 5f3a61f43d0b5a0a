import { describe, expect, it } from "vitest";
import { escapeLabelValue, Family, formatValue, HistogramSeries, labelPairs, renderFamilies, ValueSeries } from "./series.js";

async function render(...families: Family[]): Promise<string> {
  let text = "";
  await renderFamilies(families, (c) => (text += c));
  return text;
}

describe("hand-rendered exposition", () => {
  it("escapes label values as the text format requires", () => {
    expect(escapeLabelValue('a\\b"c\nd')).toBe('a\\\\b\\"c\\nd');
    expect(labelPairs([["zone", 'cpu"0']])).toBe('zone="cpu\\"0"');
  });

  it("formats special values", () => {
    expect([1.5, Number.NaN, Infinity, -Infinity].map(formatValue)).toEqual(["1.5", "NaN", "+Inf", "-Inf"]);
  });

  it("writes a family's header once and its series after it, and rebuilds labels on relabel", async () => {
    const f = new Family("edgefleet_device_up", "1 when up", "gauge");
    const a = new ValueSeries(f.name, "", 'node="a",hardware_class="unknown"');
    a.value = 1;
    f.add("a", a);
    const b = new ValueSeries(f.name, 'rail="x"', 'node="b"');
    f.add("b", b);
    a.relabel('node="a",hardware_class="orin"');
    expect(await render(f)).toBe(
      [
        "# HELP edgefleet_device_up 1 when up",
        "# TYPE edgefleet_device_up gauge",
        'edgefleet_device_up{node="a",hardware_class="orin"} 1',
        'edgefleet_device_up{node="b",rail="x"} 0',
        "",
      ].join("\n"),
    );
    expect(f.lines).toBe(2);
    f.delete("a");
    expect(f.lines).toBe(1);
  });

  it("renders a histogram from per-bucket counts as cumulative buckets with sum and count", async () => {
    const f = new Family("lat_seconds", "latency", "histogram");
    const h = new HistogramSeries(f.name, [0.1, 1], 'm="x"', 'node="a"');
    h.add([1, 2, 3], 4.5);
    h.add([1, 0, 0], 0.05);
    f.add("a", h);
    expect((await render(f)).split("\n").slice(2, -1)).toEqual([
      'lat_seconds_bucket{node="a",m="x",le="0.1"} 2',
      'lat_seconds_bucket{node="a",m="x",le="1"} 4',
      'lat_seconds_bucket{node="a",m="x",le="+Inf"} 7',
      'lat_seconds_sum{node="a",m="x"} 4.55',
      'lat_seconds_count{node="a",m="x"} 7',
    ]);
    expect(f.lines).toBe(5);
  });

  it("leaves out families without series and writes many series in several chunks", async () => {
    const empty = new Family("nothing", "none", "gauge");
    const big = new Family("many", "many", "counter");
    for (let i = 0; i < 12_000; i++) big.add(String(i), new ValueSeries(big.name, "", `i="${i}"`));
    const chunks: string[] = [];
    await renderFamilies([empty, big], (c) => chunks.push(c));
    expect(chunks.length).toBeGreaterThan(1);
    const lines = chunks.join("").split("\n");
    expect(lines.filter((l) => l.startsWith("many{"))).toHaveLength(12_000);
    expect(lines.some((l) => l.includes("nothing"))).toBe(false);
  });
});
