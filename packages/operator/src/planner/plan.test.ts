import type { EdgeRuntime } from "@edgefleet/api";
import { DEFAULT_RUNTIMES, edgeModel, variant } from "@edgefleet/api";
import { describe, expect, it } from "vitest";
import { classNode, node, referenceFleet } from "../testing/fleet.js";
import { type ClassPlan, cpuFallback, type PlacedClass, plan, type UnplacedClass } from "./plan.js";

const runtimes = DEFAULT_RUNTIMES;

function byClass(classes: ClassPlan[]): Record<string, string> {
  return Object.fromEntries(
    classes.map((c) => [
      c.hardwareClass,
      c.placed ? `${c.choice.accelerator} ${c.choice.variant.name} ${c.choice.runtime.metadata.name}` : "unplaced",
    ]),
  );
}

function placed(classes: ClassPlan[], name: string): PlacedClass {
  const c = classes.find((x) => x.hardwareClass === name);
  if (!c?.placed) throw new Error(`class ${name} is not placed: ${c ? c.reason : "absent"}`);
  return c;
}

function unplaced(classes: ClassPlan[], name: string): UnplacedClass {
  const c = classes.find((x) => x.hardwareClass === name);
  if (!c || c.placed) throw new Error(`class ${name} is placed or absent`);
  return c;
}

function runtime(name: string, spec: Partial<EdgeRuntime["spec"]>): EdgeRuntime {
  return {
    apiVersion: "edgefleet.io/v1alpha1",
    kind: "EdgeRuntime",
    metadata: { name },
    spec: {
      image: `example.com/${name}:1`,
      supportedFormats: [{ format: "onnx", precisions: ["fp32"] }],
      accelerators: [{ kind: "cpu" }],
      architectures: ["amd64", "arm64"],
      ...spec,
    },
  };
}

describe("plan on the reference fleet", () => {
  it("gives each hardware class its most preferred accelerator: NPU, Edge TPU, GPU, CPU", () => {
    const { classes } = plan({ model: edgeModel(), runtimes, nodes: referenceFleet() });
    expect(byClass(classes)).toEqual({
      "intel-nuc": "intel-npu ov-int8 openvino",
      "jetson-orin": "nvidia-gpu trt-fp16 tensorrt",
      "rpi5-coral": "edgetpu tflite-int8 tflite",
      "x86-cpu": "cpu onnx-fp32 onnx",
    });
    expect(classes.every((c) => c.placed && c.passedOver.length === 0 && !c.pinned)).toBe(true);
    expect(placed(classes, "jetson-orin").nodes).toEqual(["jetson-orin-0001", "jetson-orin-0002"]);
  });

  it("falls back NPU -> iGPU -> CPU on the NUC as its device plugins disappear, saying why", () => {
    const nuc = (allocatable: Record<string, string>) => [classNode("intel-nuc", 1, { allocatable })];
    const noNpu = plan({ model: edgeModel(), runtimes, nodes: nuc({ "npu.intel.com/accel": "0" }) }).classes;
    expect(byClass(noNpu)).toEqual({ "intel-nuc": "intel-gpu ov-int8 openvino" });
    expect(placed(noNpu, "intel-nuc").passedOver).toEqual([
      "ov-int8 on intel-npu: runtime openvino needs 1 npu.intel.com/accel, which node intel-nuc-0001 does not have allocatable (is its device plugin running?)",
    ]);

    const neither = plan({ model: edgeModel(), runtimes, nodes: nuc({ "npu.intel.com/accel": "0", "gpu.intel.com/i915": "0" }) }).classes;
    expect(byClass(neither)).toEqual({ "intel-nuc": "cpu onnx-fp32 onnx" });
    expect(placed(neither, "intel-nuc").passedOver).toHaveLength(2);
  });

  it("marks a class on its CPU as a fallback only when it has an accelerator the preference ranks ahead", () => {
    const nuc = (allocatable: Record<string, string>) => [classNode("intel-nuc", 1, { allocatable })];
    const neither = placed(
      plan({ model: edgeModel(), runtimes, nodes: nuc({ "npu.intel.com/accel": "0", "gpu.intel.com/i915": "0" }) }).classes,
      "intel-nuc",
    );
    expect(neither.betterAccelerators).toEqual(["intel-npu", "intel-gpu"]);
    expect(cpuFallback(neither)).toBe(true);

    const noNpu = placed(plan({ model: edgeModel(), runtimes, nodes: nuc({ "npu.intel.com/accel": "0" }) }).classes, "intel-nuc");
    expect(cpuFallback(noNpu)).toBe(false);

    const fleet = plan({ model: edgeModel(), runtimes, nodes: referenceFleet(1) }).classes;
    expect(fleet.filter(cpuFallback)).toEqual([]);
    // The preference leaves the Jetson's GPU out: CPU is what the model asked for there.
    const gpuLeftOut = edgeModel({ placement: { acceleratorPreference: ["intel-gpu", "cpu"] } });
    const jetson = placed(plan({ model: gpuLeftOut, runtimes, nodes: referenceFleet(1) }).classes, "jetson-orin");
    expect(jetson.choice.accelerator).toBe("cpu");
    expect(cpuFallback(jetson)).toBe(false);
  });

  it("follows the model's own accelerator preference, and never uses an accelerator it leaves out", () => {
    const gpuFirst = edgeModel({ placement: { acceleratorPreference: ["intel-gpu", "intel-npu", "cpu"] } });
    expect(byClass(plan({ model: gpuFirst, runtimes, nodes: referenceFleet(1) }).classes)).toMatchObject({
      "intel-nuc": "intel-gpu ov-int8 openvino",
      "jetson-orin": "cpu onnx-fp32 onnx",
    });

    const gpuOnly = edgeModel({ placement: { acceleratorPreference: ["nvidia-gpu"] } });
    const { classes } = plan({ model: gpuOnly, runtimes, nodes: referenceFleet(1) });
    expect(byClass(classes)["jetson-orin"]).toBe("nvidia-gpu trt-fp16 tensorrt");
    expect(unplaced(classes, "rpi5-coral").reason).toContain(
      "tflite-int8 runs on edgetpu, which placement.acceleratorPreference leaves out",
    );
  });

  it("reports every class no variant fits, with the reason per variant, instead of skipping it", () => {
    const trtOnly = edgeModel({ variants: [variant("trt-fp16", "tensorrt", "fp16", ["nvidia-gpu"])] });
    const { classes } = plan({ model: trtOnly, runtimes, nodes: referenceFleet() });
    expect(classes.map((c) => c.hardwareClass)).toEqual(["intel-nuc", "jetson-orin", "rpi5-coral", "x86-cpu"]);
    expect(byClass(classes)["jetson-orin"]).toBe("nvidia-gpu trt-fp16 tensorrt");
    const pi = unplaced(classes, "rpi5-coral");
    expect(pi.reason).toBe("no variant fits: trt-fp16 needs nvidia-gpu, which the nodes lack");
    expect(pi.nodes).toEqual(["rpi5-coral-0001", "rpi5-coral-0002"]);
  });

  it("says so when no runtime serves a variant's format and precision", () => {
    const int4 = edgeModel({ variants: [variant("onnx-int4", "onnx", "int4", ["cpu"])] });
    expect(unplaced(plan({ model: int4, runtimes, nodes: referenceFleet(1) }).classes, "x86-cpu").reason).toBe(
      "no variant fits: onnx-int4 on cpu: no EdgeRuntime serves onnx int4 on cpu",
    );
  });
});

describe("plan checks each candidate against the hardware", () => {
  it("rejects a variant built for another architecture", () => {
    const amd64Only = edgeModel({ variants: [variant("onnx-fp32", "onnx", "fp32", ["cpu"], { architectures: ["amd64"] })] });
    const { classes } = plan({ model: amd64Only, runtimes, nodes: referenceFleet(1) });
    expect(byClass(classes)).toMatchObject({ "x86-cpu": "cpu onnx-fp32 onnx", "intel-nuc": "cpu onnx-fp32 onnx" });
    expect(unplaced(classes, "jetson-orin").reason).toBe("no variant fits: onnx-fp32 on cpu: built for amd64, not arm64");
  });

  it("rejects a runtime without an image for the nodes' architecture", () => {
    const amd64Runtime = [runtime("onnx-amd64", { architectures: ["amd64"] })];
    const { classes } = plan({ model: edgeModel(), runtimes: amd64Runtime, nodes: referenceFleet(1) });
    expect(byClass(classes)["x86-cpu"]).toBe("cpu onnx-fp32 onnx-amd64");
    expect(unplaced(classes, "rpi5-coral").reason).toContain("onnx-fp32 on cpu: runtime onnx-amd64 has no arm64 image");
  });

  it("falls back when the GPU's compute capability is below the variant's, comparing minor versions as numbers", () => {
    const needs = (cc: string) =>
      edgeModel({
        variants: [
          variant("trt", "tensorrt", "fp16", ["nvidia-gpu"], { minComputeCapability: cc }),
          variant("cpu", "onnx", "fp32", ["cpu"]),
        ],
      });
    const tooLow = placed(plan({ model: needs("8.9"), runtimes, nodes: referenceFleet(1) }).classes, "jetson-orin");
    expect(tooLow.choice.accelerator).toBe("cpu");
    expect(tooLow.passedOver).toEqual(["trt on nvidia-gpu: needs compute capability 8.9, the nodes have 8.7"]);

    const orin = (minor: string) => [classNode("jetson-orin", 1, { labels: { "nvidia.com/gpu.compute.minor": minor } })];
    expect(placed(plan({ model: needs("8.9"), runtimes, nodes: orin("10") }).classes, "jetson-orin").choice.accelerator).toBe("nvidia-gpu");
    expect(placed(plan({ model: needs("7.2"), runtimes, nodes: orin("7") }).classes, "jetson-orin").choice.accelerator).toBe("nvidia-gpu");
  });

  it("falls back when one node of the class lacks the runtime's extended resource", () => {
    const nodes = [classNode("jetson-orin", 1), classNode("jetson-orin", 2, { allocatable: { "nvidia.com/gpu": "0" } })];
    const jetson = placed(plan({ model: edgeModel(), runtimes, nodes }).classes, "jetson-orin");
    expect(jetson.choice.accelerator).toBe("cpu");
    expect(jetson.passedOver).toEqual([
      "trt-fp16 on nvidia-gpu: runtime tensorrt needs 1 nvidia.com/gpu, which node jetson-orin-0002 does not have allocatable (is its device plugin running?)",
    ]);
  });

  it("checks the runtime library version a variant needs", () => {
    const pinned = (max: string) =>
      edgeModel({
        variants: [
          variant("trt", "tensorrt", "fp16", ["nvidia-gpu"], { runtimeVersion: { max } }),
          variant("cpu", "onnx", "fp32", ["cpu"]),
        ],
      });
    expect(placed(plan({ model: pinned("10.3"), runtimes, nodes: referenceFleet(1) }).classes, "jetson-orin").choice.accelerator).toBe(
      "nvidia-gpu",
    );
    const old = placed(plan({ model: pinned("10.2"), runtimes, nodes: referenceFleet(1) }).classes, "jetson-orin");
    expect(old.choice.accelerator).toBe("cpu");
    expect(old.passedOver).toEqual(["trt on nvidia-gpu: runtime tensorrt ships tensorrt 10.3.0, outside ..10.2"]);
  });

  it("takes the highest-priority enabled runtime, and says when the only fitting one is disabled", () => {
    const model = edgeModel({ variants: [variant("onnx-fp32", "onnx", "fp32", ["cpu"])] });
    const nodes = [classNode("x86-cpu", 1)];
    const pick = (rts: EdgeRuntime[]) => byClass(plan({ model, runtimes: rts, nodes }).classes)["x86-cpu"];
    expect(pick([runtime("b-plain", {}), runtime("fast", { priority: 5 }), runtime("a-plain", {})])).toBe("cpu onnx-fp32 fast");
    expect(pick([runtime("b-plain", {}), runtime("a-plain", {})])).toBe("cpu onnx-fp32 a-plain");
    expect(pick([runtime("fast", { priority: 5, disabled: true }), runtime("plain", {})])).toBe("cpu onnx-fp32 plain");
    expect(unplaced(plan({ model, runtimes: [runtime("off", { disabled: true })], nodes }).classes, "x86-cpu").reason).toBe(
      "no variant fits: onnx-fp32 on cpu: runtime off is disabled",
    );
  });
});

describe("plan selects nodes", () => {
  it("limits nodes per class, taking them in name order, and pins the limited class's workload", () => {
    const model = edgeModel({ placement: { maxNodesPerClass: 2, classLimits: [{ hardwareClass: "jetson-orin", maxNodes: 1 }] } });
    const { classes } = plan({ model, runtimes, nodes: referenceFleet(3).reverse() });
    expect(Object.fromEntries(classes.map((c) => [c.hardwareClass, c.nodes]))).toEqual({
      "intel-nuc": ["intel-nuc-0001", "intel-nuc-0002"],
      "jetson-orin": ["jetson-orin-0001"],
      "rpi5-coral": ["rpi5-coral-0001", "rpi5-coral-0002"],
      "x86-cpu": ["x86-cpu-0001", "x86-cpu-0002"],
    });
    expect(classes.every((c) => c.placed && c.pinned)).toBe(true);
    const unlimited = plan({ model: edgeModel({ placement: { maxNodesPerClass: 3 } }), runtimes, nodes: referenceFleet(3) });
    expect(unlimited.classes.some((c) => c.placed && c.pinned)).toBe(false);
  });

  it("targets only nodes matching the model's nodeSelector, and skips nodes being deleted", () => {
    const site = (cls: "jetson-orin" | "x86-cpu", i: number, s: string) => classNode(cls, i, { labels: { "edgefleet.io/site": s } });
    const leaving = {
      ...site("x86-cpu", 3, "factory-a"),
      metadata: { ...site("x86-cpu", 3, "factory-a").metadata, deletionTimestamp: new Date() },
    };
    const nodes = [
      site("jetson-orin", 1, "factory-a"),
      site("jetson-orin", 2, "factory-b"),
      site("x86-cpu", 1, "factory-b"),
      site("x86-cpu", 2, "factory-a"),
      leaving,
    ];
    const model = edgeModel({ placement: { nodeSelector: { "edgefleet.io/site": "factory-a" } } });
    const { classes } = plan({ model, runtimes, nodes });
    expect(Object.fromEntries(classes.map((c) => [c.hardwareClass, c.nodes]))).toEqual({
      "jetson-orin": ["jetson-orin-0001"],
      "x86-cpu": ["x86-cpu-0002"],
    });
    expect(plan({ model: edgeModel({ placement: { nodeSelector: { site: "moon" } } }), runtimes, nodes }).classes).toEqual([]);
    // Every key must match: the site and the class together pick one node.
    const both = { "edgefleet.io/site": "factory-a", "edgefleet.io/hardware-class": "x86-cpu" };
    const picked = plan({ model: edgeModel({ placement: { nodeSelector: both } }), runtimes, nodes }).classes;
    expect(picked.map((c) => [c.hardwareClass, c.nodes])).toEqual([["x86-cpu", ["x86-cpu-0002"]]]);
  });

  it("leaves out nodes whose NoSchedule or NoExecute taints the model does not tolerate", () => {
    const tainted = (i: number) => {
      const n = classNode("x86-cpu", i);
      return { ...n, spec: { taints: [{ key: "edgefleet.io/build-node", value: "demo", effect: "NoSchedule" }] } };
    };
    const nodes = [
      classNode("x86-cpu", 1),
      tainted(2),
      { ...classNode("jetson-orin", 1), spec: { taints: [{ key: "soft", effect: "PreferNoSchedule" }] } },
    ];
    const planned = plan({ model: edgeModel({}), runtimes, nodes });
    expect(planned.classes.map((c) => [c.hardwareClass, c.nodes])).toEqual([
      ["jetson-orin", ["jetson-orin-0001"]],
      ["x86-cpu", ["x86-cpu-0001"]],
    ]);
    expect(planned.untolerated).toEqual([{ node: "x86-cpu-0002", taints: ["edgefleet.io/build-node=demo:NoSchedule"] }]);
    const tolerating = edgeModel({ placement: { tolerations: [{ key: "edgefleet.io/build-node", operator: "Exists" }] } });
    const all = plan({ model: tolerating, runtimes, nodes });
    expect(placed(all.classes, "x86-cpu").nodes).toEqual(["x86-cpu-0001", "x86-cpu-0002"]);
    expect(all.untolerated).toEqual([]);
  });

  it("derives a class from the hardware of nodes without a hardware-class label, and pins its workload", () => {
    const nodes = [
      classNode("jetson-orin", 1, { unlabelled: true }),
      classNode("jetson-orin", 2, { unlabelled: true }),
      node("bare", { labels: { "kubernetes.io/arch": "amd64" } }),
    ];
    const { classes } = plan({ model: edgeModel(), runtimes, nodes });
    expect(byClass(classes)).toEqual({
      "auto-amd64-cpu": "cpu onnx-fp32 onnx",
      "auto-arm64-nvidia-gpu-sm87": "nvidia-gpu trt-fp16 tensorrt",
    });
    expect(placed(classes, "auto-arm64-nvidia-gpu-sm87")).toMatchObject({
      labelled: false,
      pinned: true,
      nodes: ["jetson-orin-0001", "jetson-orin-0002"],
    });
  });

  it("reports a labelled class whose nodes differ in architecture", () => {
    const nodes = [classNode("x86-cpu", 1), classNode("x86-cpu", 2, { labels: { "kubernetes.io/arch": "arm64" } })];
    expect(unplaced(plan({ model: edgeModel(), runtimes, nodes }).classes, "x86-cpu").reason).toBe(
      "nodes of the class differ in architecture (amd64: x86-cpu-0001; arm64: x86-cpu-0002); give them different edgefleet.io/hardware-class labels",
    );
  });
});
