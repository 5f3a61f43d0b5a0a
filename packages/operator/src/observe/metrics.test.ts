import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { placementMetrics } from "./metrics.js";

async function fallbackSeries(registry: Registry): Promise<Record<string, number>> {
  const metric = await registry.getSingleMetric("edgefleet_placement_cpu_fallback")?.get();
  return Object.fromEntries(
    (metric?.values ?? []).map((v) => [`${v.labels.namespace}/${v.labels.model}/${v.labels.hardware_class}`, v.value]),
  );
}

describe("placementMetrics", () => {
  it("sets 1 for classes on CPU fallback and 0 for the others, per model", async () => {
    const registry = new Registry();
    const placement = placementMetrics(registry);
    placement.placed(
      "vision",
      "detector",
      new Map([
        ["intel-nuc", true],
        ["jetson-orin", false],
      ]),
    );
    placement.placed("vision", "classifier", new Map([["intel-nuc", false]]));
    expect(await fallbackSeries(registry)).toEqual({
      "vision/detector/intel-nuc": 1,
      "vision/detector/jetson-orin": 0,
      "vision/classifier/intel-nuc": 0,
    });
  });

  it("drops a class that leaves the plan, and every series of a forgotten model", async () => {
    const registry = new Registry();
    const placement = placementMetrics(registry);
    placement.placed(
      "vision",
      "detector",
      new Map([
        ["intel-nuc", true],
        ["jetson-orin", false],
      ]),
    );
    placement.placed("vision", "classifier", new Map([["intel-nuc", true]]));
    placement.placed("vision", "detector", new Map([["jetson-orin", false]]));
    expect(await fallbackSeries(registry)).toEqual({ "vision/detector/jetson-orin": 0, "vision/classifier/intel-nuc": 1 });
    placement.forget("vision", "detector");
    expect(await fallbackSeries(registry)).toEqual({ "vision/classifier/intel-nuc": 1 });
  });
});
