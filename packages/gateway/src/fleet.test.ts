import { FakeClock } from "@edgefleet/kit";
import type { BirthPayload, InferenceStats, TelemetryPayload } from "@edgefleet/telemetry";
import { describe, expect, it } from "vitest";
import { Fleet, sampleLabels } from "./fleet.js";
import { renderFamilies } from "./series.js";

const at = { site: "s", node: "n1" };
const birth = (hardwareClass = "orin"): BirthPayload => ({
  schemaVersion: 1,
  timestamp: 0,
  agentVersion: "1.0.0",
  hardware: { hardwareClass, arch: "arm64", accelerators: [], cpuCount: 4, memoryBytes: 1, sensors: [] },
});
const tele = (seq: number, over: Partial<TelemetryPayload> = {}): TelemetryPayload => ({
  schemaVersion: 1,
  seq,
  timestamp: 0,
  samples: [{ metric: "cpu_utilization_ratio", unit: "ratio", value: seq / 100, labels: {} }],
  inference: [],
  spool: { pendingMessages: seq, bytes: 0, droppedMessages: 0 },
  artifactFailures: [],
  readErrors: 1,
  ...over,
});

const stats = (version: string): InferenceStats => ({
  namespace: "ns",
  model: "m",
  version,
  variant: "cpu",
  runtime: "onnx",
  requests: 5,
  errors: 0,
  latencyBucketCounts: [0, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
  latencySumSeconds: 0.004,
});

async function lines(fleet: Fleet): Promise<string[]> {
  let text = "";
  await renderFamilies(fleet.allFamilies(), (c) => (text += c));
  return text.split("\n").filter((l) => l && !l.startsWith("#"));
}

describe("Fleet", () => {
  it("keeps telemetry that arrives before the birth under hardware_class unknown, then relabels it", async () => {
    const fleet = new Fleet({ countSkippedAsGaps: true, clock: new FakeClock({ wallMs: 5000 }) });
    fleet.telemetry(at, tele(1));
    expect(await lines(fleet)).toContain('edgefleet_device_cpu_utilization_ratio{site="s",node="n1",hardware_class="unknown"} 0.01');
    expect((await lines(fleet)).some((l) => l.startsWith("edgefleet_device_up"))).toBe(false);
    fleet.birth(at, birth(), false);
    const after = await lines(fleet);
    expect(after).toContain('edgefleet_device_cpu_utilization_ratio{site="s",node="n1",hardware_class="orin"} 0.01');
    expect(after).toContain('edgefleet_device_up{site="s",node="n1",hardware_class="orin"} 1');
    expect(after).toContain('edgefleet_device_last_seen_timestamp_seconds{site="s",node="n1",hardware_class="orin"} 5');
    expect(after.some((l) => l.includes('"unknown"'))).toBe(false);
  });

  it("takes gauges from the newest message only, and counters from every message but duplicates", async () => {
    const fleet = new Fleet({ countSkippedAsGaps: true });
    fleet.birth(at, birth(), false);
    expect([3, 1, 3].map((s) => fleet.telemetry(at, tele(s)).result)).toEqual(["accepted", "accepted", "duplicate"]);
    const out = await lines(fleet);
    expect(out).toContain('edgefleet_device_cpu_utilization_ratio{site="s",node="n1",hardware_class="orin"} 0.03');
    expect(out).toContain('edgefleet_device_spool_pending_messages{site="s",node="n1",hardware_class="orin"} 3');
    expect(out).toContain('edgefleet_device_sensor_read_errors_total{site="s",node="n1",hardware_class="orin"} 2');
  });

  it("renames a sample label that collides with a device label", async () => {
    const fleet = new Fleet({ countSkippedAsGaps: true });
    fleet.telemetry(at, tele(1, { samples: [{ metric: "throttled", unit: "flag", value: 1, labels: { node: "x", component: "gpu" } }] }));
    expect(await lines(fleet)).toContain(
      'edgefleet_device_throttled{site="s",node="n1",hardware_class="unknown",component="gpu",exported_node="x"} 1',
    );
  });

  it("refuses a sample whose labels would repeat a label name or are not label names, and keeps the message's others", async () => {
    const fleet = new Fleet({ countSkippedAsGaps: true });
    const throttled = (labels: Record<string, string>) => ({ metric: "throttled" as const, unit: "flag" as const, value: 1, labels });
    const result = fleet.telemetry(
      at,
      tele(1, { samples: [throttled({ site: "x", exported_site: "y" }), throttled({ component: "gpu" })] }),
    );
    expect(result.result).toBe("accepted");
    expect(result.drops.map((d) => d.reason)).toEqual(["duplicate-label-name"]);
    const out = await lines(fleet);
    expect(out.filter((l) => l.startsWith("edgefleet_device_throttled"))).toEqual([
      'edgefleet_device_throttled{site="s",node="n1",hardware_class="unknown",component="gpu"} 1',
    ]);
    for (const bad of ["__name", "9lives", "a-b", ""])
      expect(sampleLabels("throttled", { [bad]: "v" })).toMatchObject({ reason: "invalid-label-name" });
    expect(sampleLabels("throttled", { node: "x", exported_site: "y" })).toEqual({
      pairs: [
        ["exported_site", "y"],
        ["exported_node", "x"],
      ],
    });
  });

  it("caps a node's series lines and each label's values, counting the drops, and frees them when series go", async () => {
    const fleet = new Fleet({ countSkippedAsGaps: true, maxSeriesPerNode: 10, maxLabelValuesPerNode: 3 });
    const zones = (seq: number, names: string[]) =>
      tele(seq, {
        samples: names.map((zone) => ({
          metric: "thermal_zone_temperature_celsius" as const,
          unit: "celsius" as const,
          value: 40,
          labels: { zone },
        })),
      });
    // Last seen, spool (3), read errors: 5 of the 10 lines before any sample.
    const first = fleet.telemetry(at, zones(1, ["a", "b", "c", "d"]));
    expect(first.drops.map((d) => d.reason)).toEqual(["label-values-limit"]);
    expect(first.drops[0]?.detail).toContain("--max-label-values-per-node is 3");
    // An existing series always updates; a new one past the line cap is dropped.
    const other = { metric: "rail_power_watts" as const, unit: "watts" as const, value: 1 };
    const second = fleet.telemetry(
      at,
      tele(2, {
        samples: [
          { ...other, labels: { rail: "r1" } },
          { ...other, labels: { rail: "r2" } },
          { ...other, labels: { rail: "r3" } },
        ],
      }),
    );
    expect(second.drops.map((d) => d.reason)).toEqual(["series-limit"]);
    expect(fleet.seriesLines).toBe(10 + 1); // and the gap counter, outside the cap
    // A whole model version (19 lines, its evaluation counters budgeted) does not fit either.
    const inference = fleet.telemetry(at, tele(3, { samples: [], inference: [stats("v1")] }));
    expect(inference.drops.map((d) => d.reason)).toEqual(["series-limit"]);
    // A death frees the node's lines and values: a new set fits after its next birth.
    fleet.death(at, { schemaVersion: 1, timestamp: 0, reason: "shutdown" }, false);
    fleet.birth(at, birth(), false);
    expect(fleet.telemetry(at, zones(4, ["x", "y"])).drops).toEqual([]);
  });

  it("removes the inference series of a model version the node has not reported for the stale time", async () => {
    const clock = new FakeClock();
    const fleet = new Fleet({ countSkippedAsGaps: true, clock, inferenceStaleMs: 60_000 });
    fleet.birth(at, birth(), false);
    fleet.telemetry(at, tele(1, { inference: [stats("v1")] }));
    clock.advance(30_000);
    fleet.telemetry(at, tele(2, { inference: [stats("v2")] }));
    const versions = async () => [
      ...new Set((await lines(fleet)).filter((l) => l.startsWith("edgefleet_inference_")).map((l) => /version="([^"]+)"/.exec(l)?.[1])),
    ];
    expect(await versions()).toEqual(["v1", "v2"]);
    clock.advance(30_000);
    fleet.telemetry(at, tele(3, { inference: [stats("v2")] }));
    expect(await versions()).toEqual(["v2"]);
    expect(fleet.seriesLines).toBe((await lines(fleet)).length);
    // Reported again, it starts from its new deltas.
    fleet.telemetry(at, tele(4, { inference: [stats("v1")] }));
    expect(await lines(fleet)).toContain(
      'edgefleet_inference_requests_total{site="s",node="n1",hardware_class="orin",namespace="ns",model="m",version="v1",variant="cpu",runtime="onnx"} 5',
    );
  });

  it("counts evaluations and right answers only from runtimes that score them", async () => {
    const fleet = new Fleet({ countSkippedAsGaps: true });
    fleet.birth(at, birth(), false);
    fleet.telemetry(at, tele(1, { inference: [{ ...stats("v1"), evaluations: 4, evaluationsCorrect: 3 }, stats("v2")] }));
    fleet.telemetry(at, tele(2, { inference: [{ ...stats("v1"), evaluations: 4, evaluationsCorrect: 4 }] }));
    const out = (await lines(fleet)).filter((l) => l.startsWith("edgefleet_inference_evaluations"));
    const labels = 'site="s",node="n1",hardware_class="orin",namespace="ns",model="m",version="v1",variant="cpu",runtime="onnx"';
    expect(out).toEqual([
      `edgefleet_inference_evaluations_total{${labels}} 8`,
      `edgefleet_inference_evaluations_correct_total{${labels}} 7`,
    ]);
    expect(fleet.seriesLines).toBe((await lines(fleet)).length);
  });

  it("forgets a retired device: every series, up and the gap counter included", async () => {
    const fleet = new Fleet({ countSkippedAsGaps: true });
    fleet.birth(at, birth(), false);
    fleet.telemetry(at, tele(1));
    fleet.birth({ site: "s", node: "kept" }, birth(), true);
    expect(fleet.retire(at)).toBe(true);
    expect(fleet.retire(at)).toBe(false);
    expect((await lines(fleet)).filter((l) => l.includes('node="n1"'))).toEqual([]);
    expect(fleet.deviceStates()).toEqual({ online: 0, offline: 1 });
    expect(fleet.seriesLines).toBe((await lines(fleet)).length);
  });

  it("a retained birth names the hardware class but leaves the device offline; a retained death does not undo a live birth", () => {
    const fleet = new Fleet({ countSkippedAsGaps: true });
    fleet.birth(at, birth(), true);
    expect(fleet.deviceStates()).toEqual({ online: 0, offline: 1 });
    fleet.birth(at, birth(), false);
    fleet.death(at, { schemaVersion: 1, timestamp: 0, reason: "connection-lost" }, true);
    expect(fleet.deviceStates()).toEqual({ online: 1, offline: 0 });
  });

  it("counts gaps from skipped numbers when unshared, from the agent's reported drops when shared", async () => {
    const unshared = new Fleet({ countSkippedAsGaps: true });
    const shared = new Fleet({ countSkippedAsGaps: false });
    for (const f of [unshared, shared]) {
      f.telemetry(at, tele(1));
      f.telemetry(at, tele(4, { spool: { pendingMessages: 0, bytes: 0, droppedMessages: 1 } }));
      // A replayed older message reports fewer drops: the counter does not go back.
      f.telemetry(at, tele(2, { spool: { pendingMessages: 0, bytes: 0, droppedMessages: 0 } }));
    }
    expect(await lines(unshared)).toContain('edgefleet_gateway_sequence_gaps_total{site="s",node="n1"} 2');
    expect(await lines(shared)).toContain('edgefleet_gateway_sequence_gaps_total{site="s",node="n1"} 1');
  });

  it("on death keeps only up (0) and the gap counter, and counts series lines", async () => {
    const fleet = new Fleet({ countSkippedAsGaps: true });
    fleet.birth(at, birth(), false);
    fleet.telemetry(at, tele(1));
    expect(fleet.seriesLines).toBe((await lines(fleet)).length);
    fleet.death(at, { schemaVersion: 1, timestamp: 0, reason: "shutdown" }, false);
    expect(await lines(fleet)).toEqual([
      'edgefleet_device_up{site="s",node="n1",hardware_class="orin"} 0',
      'edgefleet_gateway_sequence_gaps_total{site="s",node="n1"} 0',
    ]);
    expect(fleet.seriesLines).toBe(2);
  });

  it("takes a device silent for the timeout offline as a last will would, and its next telemetry brings it back", async () => {
    const clock = new FakeClock();
    const fleet = new Fleet({ countSkippedAsGaps: true, clock });
    fleet.birth(at, birth(), false);
    fleet.birth({ site: "s", node: "retained" }, birth(), true);
    clock.advance(10_000);
    fleet.telemetry(at, tele(1));
    clock.advance(44_999);
    expect(fleet.expire(45_000)).toEqual([]);
    clock.advance(1);
    expect(fleet.expire(45_000)).toEqual([at]);
    expect(fleet.expire(45_000)).toEqual([]);
    expect(fleet.deviceStates()).toEqual({ online: 0, offline: 2 });
    // The device known only from a retained birth was never online: the sweep leaves it as it is.
    expect((await lines(fleet)).filter((l) => l.includes('node="n1"'))).toEqual([
      'edgefleet_device_up{site="s",node="n1",hardware_class="orin"} 0',
      'edgefleet_gateway_sequence_gaps_total{site="s",node="n1"} 0',
    ]);
    fleet.telemetry(at, tele(2));
    expect(fleet.deviceStates()).toEqual({ online: 1, offline: 1 });
    expect(await lines(fleet)).toContain('edgefleet_device_up{site="s",node="n1",hardware_class="orin"} 1');
  });

  it("telemetry after a death does not bring a device back; silence counts again from restartSilence", () => {
    const clock = new FakeClock();
    const fleet = new Fleet({ countSkippedAsGaps: true, clock });
    fleet.birth(at, birth(), false);
    fleet.death(at, { schemaVersion: 1, timestamp: 0, reason: "shutdown" }, false);
    fleet.telemetry(at, tele(1));
    expect(fleet.deviceStates()).toEqual({ online: 0, offline: 1 });
    fleet.birth(at, birth(), false);
    clock.advance(60_000);
    fleet.restartSilence();
    clock.advance(40_000);
    expect(fleet.expire(45_000)).toEqual([]);
    clock.advance(5_000);
    expect(fleet.expire(45_000)).toEqual([at]);
  });
});
