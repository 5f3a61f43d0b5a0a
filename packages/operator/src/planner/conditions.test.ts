import { edgeModel, variant } from "@edgefleet/api";
import type { V1DaemonSet, V1DaemonSetStatus } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { referenceFleet } from "../testing/fleet.js";
import { tensorRtCatalog } from "../testing/runtimes.js";
import { conditionsFor, observeDaemonSet, type WorkloadObservation } from "./conditions.js";
import { NO_PLAN, plan } from "./plan.js";

/** The catalog with a per-model TensorRT runtime, one model per GPU: what these cases are about. */
const CATALOG = tensorRtCatalog();

const now = new Date("2025-03-01T12:00:00.123Z");
const fullPlan = plan({ model: edgeModel(), runtimes: CATALOG, nodes: referenceFleet() });
const CLASSES = ["intel-nuc", "jetson-orin", "rpi5-coral", "x86-cpu"];
const rolledOut = (hardwareClass: string): WorkloadObservation => ({ hardwareClass, rolledOut: true, desired: 2, ready: 2 });

function byType(conditions: { type: string; status: string; reason: string }[]) {
  return Object.fromEntries(conditions.map((c) => [c.type, `${c.status} ${c.reason}`]));
}

/** Older models' placements hold every node's one accelerator of each kind: the CPU is what is left. */
const full = {
  taken: (_node: string, resource: string) => (resource === "memory" ? 0 : 1),
  freeSlots: () => 0,
  holders: () => 0,
  members: () => [],
};

describe("conditionsFor", () => {
  it("is Degraded (PodsNotStarting) per class while runtime pods cannot start, with the fix for each cause", () => {
    const rolling = (hardwareClass: string): WorkloadObservation => ({ hardwareClass, rolledOut: false, desired: 2, ready: 1 });
    const stuck = [
      {
        hardwareClass: "jetson-orin",
        namespace: "vision",
        pod: "detector-jetson-orin-a",
        problem: {
          reason: "ImagePullBackOff",
          message: 'container runtime: Back-off pulling image "registry.site.example/runtime-tensorrt:1.0.0"',
          cause: "image" as const,
          container: "runtime",
        },
      },
      {
        hardwareClass: "jetson-orin",
        namespace: "vision",
        pod: "detector-jetson-orin-b",
        problem: { reason: "ErrImagePull", message: "container runtime", cause: "image" as const, container: "runtime" },
      },
      {
        hardwareClass: "x86-cpu",
        namespace: "vision",
        pod: "detector-x86-cpu-c",
        problem: { reason: "Unschedulable", message: "0/8 nodes are available: 1 Insufficient memory.", cause: "unschedulable" as const },
      },
      {
        hardwareClass: "intel-nuc",
        namespace: "vision",
        pod: "detector-intel-nuc-d",
        problem: {
          reason: "CrashLoopBackOff",
          message: "container verify-artifact",
          cause: "container" as const,
          container: "verify-artifact",
        },
      },
    ];
    const workloads = CLASSES.map(rolling);
    const { conditions } = conditionsFor({ plan: fullPlan, workloads, stuck, generation: 2, now });
    expect(byType(conditions)).toMatchObject({
      Ready: "False PodsNotStarting",
      Degraded: "True PodsNotStarting",
      Progressing: "True RollingOut",
    });
    const message = conditions.find((c) => c.type === "Degraded")?.message ?? "";
    expect(message.split(". ")).toEqual([
      'jetson-orin: 2 runtime pod(s) cannot start; pod detector-jetson-orin-a: ImagePullBackOff: container runtime: Back-off pulling image "registry.site.example/runtime-tensorrt:1.0.0": its nodes cannot pull the image of EdgeRuntime tensorrt: push it to a registry they reach (docs/images.md) or change the EdgeRuntime\'s spec.image',
      "x86-cpu: 1 runtime pod(s) cannot start; pod detector-x86-cpu-c: Unschedulable: 0/8 nodes are available: 1 Insufficient memory: its node lacks what it requests (spec.resources and the runtime's accelerator resources) beside the pods already there: free them or lower spec.resources",
      "intel-nuc: 1 runtime pod(s) cannot start; pod detector-intel-nuc-d: CrashLoopBackOff: container verify-artifact: see its log: kubectl logs -n vision detector-intel-nuc-d -c verify-artifact --previous",
    ]);
    expect(conditions.find((c) => c.type === "Ready")?.message).toBe(message);

    // Once they start, the model is only rolling out; a class that can run no variant still comes first.
    expect(byType(conditionsFor({ plan: fullPlan, workloads, generation: 2, now }).conditions)).toMatchObject({
      Ready: "False RollingOut",
      Degraded: "False AllClassesPlaced",
    });
  });

  it("is Degraded (CapacityFallback) while classes run a less preferred choice because older models hold the accelerator", () => {
    const fellBack = plan({ model: edgeModel(), runtimes: CATALOG, nodes: referenceFleet(), capacity: full });
    const { conditions, placements } = conditionsFor({ plan: fellBack, workloads: CLASSES.map(rolledOut), generation: 1, now });
    expect(byType(conditions)).toMatchObject({ Ready: "True AllNodesReady", Degraded: "True CapacityFallback" });
    const degraded = conditions.find((c) => c.type === "Degraded");
    expect(degraded?.message).toMatch(/^3 of 4 hardware class\(es\) fell back: older models' placements hold what they prefer\. /);
    expect(degraded?.message).toContain(
      "jetson-orin runs onnx-fp32 on cpu, passing over trt-fp16 on nvidia-gpu: runtime tensorrt needs 1 nvidia.com/gpu on node jetson-orin-0001, where older models' placements take 1 of 1",
    );
    expect(placements.find((p) => p.hardwareClass === "jetson-orin")).toMatchObject({ accelerator: "cpu", variant: "onnx-fp32" });
  });

  it("says InsufficientCapacity when capacity alone leaves classes unplaced, and reports sharing per class", () => {
    const gpuOnly = edgeModel({ placement: { acceleratorPreference: ["nvidia-gpu"] } });
    const nodes = referenceFleet().filter((n) => n.metadata?.name?.startsWith("jetson"));
    const blocked = plan({ model: gpuOnly, runtimes: CATALOG, nodes, capacity: full });
    expect(byType(conditionsFor({ plan: blocked, workloads: [], generation: 1, now }).conditions)).toMatchObject({
      Degraded: "True InsufficientCapacity",
      Stalled: "True InsufficientCapacity",
    });

    const sharing = tensorRtCatalog({ maxModels: 2 });
    const seat = { taken: () => 1, freeSlots: () => 1, holders: () => 1, members: () => ["vision/older"] };
    const shared = plan({ model: gpuOnly, runtimes: sharing, nodes, capacity: seat });
    const { conditions, placements } = conditionsFor({ plan: shared, workloads: [rolledOut("jetson-orin")], generation: 1, now });
    expect(byType(conditions)).toMatchObject({ Ready: "True AllNodesReady", Degraded: "False AllClassesPlaced" });
    expect(placements).toEqual([
      {
        hardwareClass: "jetson-orin",
        nodes: 2,
        ready: 2,
        accelerator: "nvidia-gpu",
        variant: "trt-fp16",
        runtime: "tensorrt",
        sharing: { role: "sharer", with: ["vision/older"] },
      },
    ]);
  });

  it("is Ready when every placed class has rolled out, with a placement per class", () => {
    const { conditions, placements } = conditionsFor({ plan: fullPlan, workloads: CLASSES.map(rolledOut), generation: 3, now });
    expect(byType(conditions)).toEqual({
      Ready: "True AllNodesReady",
      Progressing: "False RolloutComplete",
      Degraded: "False AllClassesPlaced",
      Stalled: "False Placeable",
    });
    expect(conditions[0]).toEqual({
      type: "Ready",
      status: "True",
      reason: "AllNodesReady",
      message: "runs on 8 node(s) in 4 hardware class(es)",
      lastTransitionTime: "2025-03-01T12:00:00Z",
      observedGeneration: 3,
    });
    expect(placements[1]).toEqual({
      hardwareClass: "jetson-orin",
      nodes: 2,
      ready: 2,
      accelerator: "nvidia-gpu",
      variant: "trt-fp16",
      runtime: "tensorrt",
    });
  });

  it("is Progressing, not Ready, while a workload is missing or not yet ready", () => {
    const workloads = [
      rolledOut("intel-nuc"),
      { hardwareClass: "jetson-orin", rolledOut: false, desired: 2, ready: 1 },
      rolledOut("x86-cpu"),
    ];
    const { conditions, placements } = conditionsFor({ plan: fullPlan, workloads, generation: 1, now });
    expect(byType(conditions)).toMatchObject({ Ready: "False RollingOut", Progressing: "True RollingOut" });
    expect(conditions.find((c) => c.type === "Progressing")?.message).toBe(
      "rolling out to jetson-orin (1/2 ready), rpi5-coral (not created yet)",
    );
    expect(placements.map((p) => p.ready)).toEqual([2, 1, 0, 2]);
  });

  it("is Degraded with each unplaced class's reason when some class can run no variant", () => {
    const gpuOnly = plan({
      model: edgeModel({ variants: [variant("trt", "tensorrt", "fp16", ["nvidia-gpu"])] }),
      runtimes: CATALOG,
      nodes: referenceFleet(1),
    });
    const { conditions, placements } = conditionsFor({ plan: gpuOnly, workloads: [rolledOut("jetson-orin")], generation: 1, now });
    expect(byType(conditions)).toEqual({
      Ready: "False NoCompatibleVariant",
      Progressing: "False RolloutComplete",
      Degraded: "True NoCompatibleVariant",
      Stalled: "False Placeable",
    });
    expect(conditions.find((c) => c.type === "Degraded")?.message).toBe(
      "3 of 4 hardware class(es) can run no variant. intel-nuc: no variant fits: trt needs nvidia-gpu, which the nodes lack. " +
        "rpi5-coral: no variant fits: trt needs nvidia-gpu, which the nodes lack. x86-cpu: no variant fits: trt needs nvidia-gpu, which the nodes lack",
    );
    expect(placements[0]).toEqual({
      hardwareClass: "intel-nuc",
      nodes: 1,
      ready: 0,
      reason: "no variant fits: trt needs nvidia-gpu, which the nodes lack",
    });
  });

  it("names the nodes left out for their taints, in Ready's message and in Stalled's when none is left", () => {
    const build = { node: "build-0", taints: ["edgefleet.io/build-node:NoSchedule"] };
    const ready = conditionsFor({ plan: { ...fullPlan, untolerated: [build] }, workloads: CLASSES.map(rolledOut), generation: 3, now });
    expect(ready.conditions[0]?.message).toBe(
      "runs on 8 node(s) in 4 hardware class(es). 1 node(s) left out for taints the model does not tolerate: build-0 (edgefleet.io/build-node:NoSchedule); spec.placement.tolerations lets it run there",
    );
    const many = Array.from({ length: 7 }, (_, i) => ({ ...build, node: `build-${i}` }));
    const stalled = conditionsFor({ plan: { ...NO_PLAN, untolerated: many }, workloads: [], generation: 1, now });
    expect(stalled.conditions.find((c) => c.type === "Stalled")).toMatchObject({
      status: "True",
      reason: "NoMatchingNodes",
      message: expect.stringMatching(
        /^no node both matches .* 7 node\(s\) left out .*build-4 \(edgefleet.io\/build-node:NoSchedule\) and 2 more;/,
      ),
    });
  });

  it("is Stalled when no node matches, or no class can run any variant", () => {
    const none = conditionsFor({ plan: NO_PLAN, workloads: [], generation: 1, now });
    expect(byType(none.conditions)).toMatchObject({
      Ready: "False NoMatchingNodes",
      Stalled: "True NoMatchingNodes",
      Progressing: "False NoMatchingNodes",
    });

    const int4 = plan({
      model: edgeModel({ variants: [variant("q", "onnx", "int4", ["cpu"])] }),
      runtimes: CATALOG,
      nodes: referenceFleet(1),
    });
    expect(byType(conditionsFor({ plan: int4, workloads: [], generation: 1, now }).conditions)).toMatchObject({
      Ready: "False NoCompatibleVariant",
      Stalled: "True NoCompatibleVariant",
      Degraded: "True NoCompatibleVariant",
    });
  });

  it("keeps a condition's lastTransitionTime while its status holds, and moves it when the status changes", () => {
    const first = conditionsFor({ plan: fullPlan, workloads: [], generation: 1, now: new Date("2025-03-01T10:00:00Z") }).conditions;
    const later = conditionsFor({ plan: fullPlan, workloads: CLASSES.map(rolledOut), generation: 2, previous: first, now }).conditions;
    const at = (cs: typeof first, type: string) => cs.find((c) => c.type === type)?.lastTransitionTime;
    expect(at(later, "Degraded")).toBe("2025-03-01T10:00:00Z");
    expect(at(later, "Ready")).toBe("2025-03-01T12:00:00Z");
    expect(later.every((c) => c.observedGeneration === 2)).toBe(true);
  });

  it("explains in a placed class's status why better options were passed over", () => {
    const nodes = referenceFleet(1).map((n) =>
      n.metadata?.name === "jetson-orin-0001"
        ? { ...n, metadata: { ...n.metadata, labels: { ...n.metadata.labels, "nvidia.com/gpu.compute.major": "7" } } }
        : n,
    );
    const model = edgeModel({
      variants: [
        variant("trt", "tensorrt", "fp16", ["nvidia-gpu"], { minComputeCapability: "8.0" }),
        variant("cpu", "onnx", "fp32", ["cpu"]),
      ],
    });
    const { placements } = conditionsFor({ plan: plan({ model, runtimes: CATALOG, nodes }), workloads: [], generation: 1, now });
    expect(placements.find((p) => p.hardwareClass === "jetson-orin")).toMatchObject({
      accelerator: "cpu",
      reason: "passed over: trt on nvidia-gpu: needs compute capability 8.0, the nodes have 7.7",
    });
  });
});

describe("observeDaemonSet", () => {
  const ds = (generation: number, status?: Partial<V1DaemonSetStatus>): V1DaemonSet => ({
    metadata: { generation, labels: { "edgefleet.io/hardware-class": "x86-cpu" } },
    ...(status && { status: { currentNumberScheduled: 0, numberMisscheduled: 0, desiredNumberScheduled: 0, numberReady: 0, ...status } }),
  });

  it("counts a DaemonSet as rolled out once its controller saw the latest spec and every pod is updated and ready", () => {
    const full = { desiredNumberScheduled: 3, numberReady: 3, updatedNumberScheduled: 3 };
    expect(observeDaemonSet(ds(2, { ...full, observedGeneration: 2 }))).toEqual({
      hardwareClass: "x86-cpu",
      rolledOut: true,
      desired: 3,
      ready: 3,
    });
    expect(observeDaemonSet(ds(3, { ...full, observedGeneration: 2 })).rolledOut).toBe(false);
    expect(observeDaemonSet(ds(2, { ...full, observedGeneration: 2, updatedNumberScheduled: 2 })).rolledOut).toBe(false);
    expect(observeDaemonSet(ds(1)).rolledOut).toBe(false);
  });
});
