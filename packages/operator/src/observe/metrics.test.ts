import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { operatorMetrics } from "./metrics.js";

function placementMetrics(registry: Registry) {
  return operatorMetrics(registry, { controller: "test", workers: 1, inProgress: () => ({ totalSeconds: 0, longestSeconds: 0 }) })
    .placement;
}

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

describe("rollout assignment", () => {
  async function assignmentSeries(registry: Registry): Promise<string[]> {
    const metric = await registry.getSingleMetric("edgefleet_rollout_assignment")?.get();
    return (metric?.values ?? []).map((v) => `${v.labels.model} ${v.labels.node} ${v.labels.track} ${v.labels.version} ${v.value}`).sort();
  }

  it("keeps one series per placed node, replacing a node's series when it moves and dropping a forgotten model's", async () => {
    const registry = new Registry();
    const rollouts = operatorMetrics(registry, {
      controller: "t",
      workers: 1,
      inProgress: () => ({ totalSeconds: 0, longestSeconds: 0 }),
    }).rollouts;
    rollouts.assigned("vision", "detector", [
      { node: "n1", track: "canary", version: "2.0" },
      { node: "n2", track: "stable", version: "1.0" },
    ]);
    rollouts.assigned("vision", "classifier", [{ node: "n1", track: "stable", version: "3.0" }]);
    expect(await assignmentSeries(registry)).toEqual([
      "classifier n1 stable 3.0 1",
      "detector n1 canary 2.0 1",
      "detector n2 stable 1.0 1",
    ]);
    // A rollback: n1 back on the stable version; n2 left the fleet.
    rollouts.assigned("vision", "detector", [{ node: "n1", track: "stable", version: "1.0" }]);
    expect(await assignmentSeries(registry)).toEqual(["classifier n1 stable 3.0 1", "detector n1 stable 1.0 1"]);
    rollouts.forget("vision", "detector");
    expect(await assignmentSeries(registry)).toEqual(["classifier n1 stable 3.0 1"]);
  });
});

describe("operatorMetrics", () => {
  it("registers every family at once, labels at zero, process metrics without prom-client's _total gauges", async () => {
    const registry = new Registry();
    operatorMetrics(registry, { controller: "edgemodel", workers: 3, inProgress: () => ({ totalSeconds: 0.5, longestSeconds: 0.25 }) });
    const text = await registry.metrics();
    for (const result of ["success", "error", "requeue", "requeue_after"])
      expect(text).toContain(`controller_runtime_reconcile_total{controller="edgemodel",result="${result}"} 0`);
    expect(text).toContain('controller_runtime_max_concurrent_reconciles{controller="edgemodel"} 3');
    expect(text).toContain('workqueue_unfinished_work_seconds{name="edgemodel",controller="edgemodel"} 0.5');
    expect(text).toContain("edgefleet_leader_is_leader 0");
    expect(text).toContain("process_resident_memory_bytes");
    expect(text).not.toContain("nodejs_active_handles_total");
  });

  it("gives the FederatedTraining controller its own controller and queue series on the same families", async () => {
    const registry = new Registry();
    const metrics = operatorMetrics(registry, {
      controller: "edgemodel",
      workers: 3,
      inProgress: () => ({ totalSeconds: 0.5, longestSeconds: 0.25 }),
    });
    metrics.federatedController(2, () => ({ totalSeconds: 1.5, longestSeconds: 1 }));
    metrics.federated.observed("vision", "digits-fl", { phase: "Running", rounds: 2, clients: 4, stalled: true });
    const text = await registry.metrics();
    expect(text).toContain('controller_runtime_reconcile_total{controller="federatedtraining",result="success"} 0');
    expect(text).toContain('controller_runtime_max_concurrent_reconciles{controller="federatedtraining"} 2');
    expect(text).toContain('workqueue_unfinished_work_seconds{name="edgemodel",controller="edgemodel"} 0.5');
    expect(text).toContain('workqueue_unfinished_work_seconds{name="federatedtraining",controller="federatedtraining"} 1.5');
    expect(text).toContain('edgefleet_federated_phase{namespace="vision",training="digits-fl",phase="Running"} 1');
    expect(text).toContain('edgefleet_federated_stalled{namespace="vision",training="digits-fl"} 1');
    metrics.federated.forget("vision", "digits-fl");
    expect(await registry.metrics()).not.toContain('training="digits-fl"');
  });
});
