import type { EdgeModel, EdgeModelSpec, EdgeRuntime } from "@edgefleet/api";
import { edgeModel, VISION_VARIANTS } from "@edgefleet/api";
import { seededRandom } from "@edgefleet/kit";
import type { V1Node } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { classNode, referenceFleet } from "../testing/fleet.js";
import { tensorRtCatalog } from "../testing/runtimes.js";
import { CapacityLedger, type LedgerSource, orderOf } from "./capacity-ledger.js";
import { type ClassPlan, type PlacedClass, plan } from "./plan.js";

/** The catalog with a per-model TensorRT runtime, one model per GPU: what these cases are about. */
const CATALOG = tensorRtCatalog();

/** The caches, as plain maps the test edits. */
class Fleet implements LedgerSource {
  readonly byKey = new Map<string, EdgeModel>();
  constructor(
    public nodeList: V1Node[] = referenceFleet(2),
    public runtimeList: readonly EdgeRuntime[] = CATALOG,
  ) {}
  model = (key: string) => this.byKey.get(key);
  models = () => [...this.byKey.values()];
  runtimes = () => this.runtimeList;
  nodes = () => this.nodeList;

  add(name: string, createdSecond: number, spec: Partial<EdgeModelSpec> = {}, namespace = "vision"): string {
    const base = edgeModel(spec, name);
    const created = `2026-01-01T00:00:${String(createdSecond).padStart(2, "0")}Z`;
    this.byKey.set(`${namespace}/${name}`, {
      ...base,
      metadata: { ...base.metadata, namespace, creationTimestamp: created as unknown as Date },
    });
    return `${namespace}/${name}`;
  }
}

/** The model's plan for one class, with what the ledger says older models take. */
function classPlan(fleet: Fleet, ledger: CapacityLedger, key: string, cls: string): ClassPlan | undefined {
  const model = fleet.byKey.get(key) as EdgeModel;
  const { classes } = plan({ model, runtimes: fleet.runtimes(), nodes: fleet.nodes(), capacity: ledger.capacityFor(key) });
  return classes.find((x) => x.hardwareClass === cls);
}

/** Where each model runs on one class, as the ledger's capacity lets it: "accelerator variant [role]". */
function placements(fleet: Fleet, ledger: CapacityLedger, cls: string): Record<string, string> {
  return Object.fromEntries(
    [...fleet.byKey.keys()].sort().map((key) => {
      const c = classPlan(fleet, ledger, key, cls);
      if (!c?.placed) return [key, c ? "unplaced" : "absent"];
      const role = c.choice.claim.sharing?.role;
      return [key, `${c.choice.accelerator} ${c.choice.variant.name}${role ? ` ${role}` : ""}`];
    }),
  );
}

function placedOn(fleet: Fleet, ledger: CapacityLedger, key: string, cls: string): PlacedClass {
  const c = classPlan(fleet, ledger, key, cls);
  if (!c?.placed) throw new Error(`${key} is not placed on ${cls}`);
  return c;
}

const SHARED_TRT = tensorRtCatalog({ maxModels: 2 });

describe("the capacity ledger", () => {
  it("gives a node's one GPU to the oldest model; the next falls back to its CPU saying why", async () => {
    const fleet = new Fleet();
    // Added out of order: the order is creation time, not when the cache saw them.
    const b = fleet.add("b", 2);
    const a = fleet.add("a", 1);
    const ledger = new CapacityLedger(fleet);
    await ledger.settle();
    expect(placements(fleet, ledger, "jetson-orin")).toEqual({ [a]: "nvidia-gpu trt-fp16", [b]: "cpu onnx-fp32" });
    const fallback = placedOn(fleet, ledger, b, "jetson-orin");
    expect(fallback.capacityLimited).toBe(true);
    expect(fallback.passedOver).toEqual([
      "trt-fp16 on nvidia-gpu: runtime tensorrt needs 1 nvidia.com/gpu on node jetson-orin-0001, where older models' placements take 1 of 1",
    ]);
    // The NUC has one NPU and one iGPU: the second model takes the iGPU, the Pi's one TPU goes to a.
    expect(placements(fleet, ledger, "intel-nuc")).toEqual({ [a]: "intel-npu ov-int8", [b]: "intel-gpu ov-int8" });
    expect(placements(fleet, ledger, "rpi5-coral")).toEqual({ [a]: "edgetpu tflite-int8", [b]: "cpu onnx-fp32" });
  });

  it("breaks ties in creation time by namespace/name, numbers in names compared as numbers", async () => {
    const fleet = new Fleet();
    const z = fleet.add("z", 1);
    const y = fleet.add("y", 1);
    const ledger = new CapacityLedger(fleet);
    await ledger.settle();
    expect(placements(fleet, ledger, "jetson-orin")).toEqual({ [y]: "nvidia-gpu trt-fp16", [z]: "cpu onnx-fp32" });
    const order = (name: string) => orderOf({ ...edgeModel({}, name), metadata: { name, namespace: "vision" } });
    expect([order("m10"), order("m9"), order("m100"), order("a")].sort()).toEqual([order("a"), order("m9"), order("m10"), order("m100")]);
  });

  it("moves the next model in line onto a GPU its holder freed, and reports it as changed", async () => {
    const fleet = new Fleet();
    const a = fleet.add("a", 1);
    const b = fleet.add("b", 2);
    const c = fleet.add("c", 3);
    const ledger = new CapacityLedger(fleet);
    await ledger.settle();
    fleet.byKey.delete(a);
    ledger.touch(a);
    // b moves up to a's GPU, NPU and TPU; c to the NUC's iGPU b left.
    expect((await ledger.settle()).changed.sort()).toEqual([b, c]);
    expect(placements(fleet, ledger, "jetson-orin")).toEqual({ [b]: "nvidia-gpu trt-fp16", [c]: "cpu onnx-fp32" });
    expect(placements(fleet, ledger, "intel-nuc")).toEqual({ [b]: "intel-npu ov-int8", [c]: "intel-gpu ov-int8" });
  });

  it("replans only the models whose capacity changed, stopping once the freed device is taken again", async () => {
    const fleet = new Fleet();
    const keys = Array.from({ length: 40 }, (_, i) => fleet.add(`m${String(i).padStart(2, "0")}`, i));
    const ledger = new CapacityLedger(fleet);
    expect((await ledger.settle()).replanned).toBe(40);
    // m00 holds the GPU, NPU and TPU, m01 the NUC's iGPU: deleting m00 moves m01 and m02 up, no further.
    const [m00, m01, m02] = keys as [string, string, string];
    fleet.byKey.delete(m00);
    ledger.touch(m00);
    const { changed, replanned } = await ledger.settle();
    expect(changed.sort()).toEqual([m01, m02]);
    expect(replanned).toBeLessThanOrEqual(4);
    // Nothing touched: nothing replanned.
    expect(await ledger.settle()).toEqual({ changed: [], replanned: 0 });
    // A new model, the youngest, takes what is left without moving anyone.
    const late = fleet.add("late", 59);
    ledger.touch(late);
    expect(await ledger.settle()).toEqual({ changed: [], replanned: 1 });
  });

  it("gives a Shared runtime's server one device per node, per namespace: a model past its slots falls back even where another GPU is free", async () => {
    // Jetsons with two GPUs: a per-model runtime would make the third model the holder of the second.
    const twoGpus = referenceFleet(1).map((n) =>
      n.metadata?.labels?.["edgefleet.io/hardware-class"] === "jetson-orin"
        ? classNode("jetson-orin", 1, { allocatable: { "nvidia.com/gpu": "2" } })
        : n,
    );
    const fleet = new Fleet(twoGpus, tensorRtCatalog({ maxModels: 2, serving: "Shared" }));
    const a = fleet.add("a", 1);
    const b = fleet.add("b", 2);
    const c = fleet.add("c", 3);
    // Another namespace's models get a server (and a device) of their own.
    const other = fleet.add("a", 4, {}, "audio");
    const ledger = new CapacityLedger(fleet);
    await ledger.settle();
    expect(placements(fleet, ledger, "jetson-orin")).toEqual({
      [other]: "nvidia-gpu trt-fp16 holder",
      [a]: "nvidia-gpu trt-fp16 holder",
      [b]: "nvidia-gpu trt-fp16 sharer",
      [c]: "cpu onnx-fp32",
    });
    expect(placedOn(fleet, ledger, c, "jetson-orin").passedOver).toEqual([
      "trt-fp16 on nvidia-gpu: runtime tensorrt serves from one process per node, whose device on node jetson-orin-0001 takes 2 models (sharing.maxModels), all placed by older models",
    ]);
  });

  it("lets models share one device through a runtime that allows it, up to its model slots", async () => {
    const fleet = new Fleet(referenceFleet(1), SHARED_TRT);
    const a = fleet.add("a", 1);
    const b = fleet.add("b", 2);
    const c = fleet.add("c", 3);
    const ledger = new CapacityLedger(fleet);
    await ledger.settle();
    expect(placements(fleet, ledger, "jetson-orin")).toEqual({
      [a]: "nvidia-gpu trt-fp16 holder",
      [b]: "nvidia-gpu trt-fp16 sharer",
      [c]: "cpu onnx-fp32",
    });
    const sharer = placedOn(fleet, ledger, b, "jetson-orin");
    expect(sharer.choice.sharedWith).toEqual([a]);
    expect(placedOn(fleet, ledger, a, "jetson-orin").choice.sharedWith).toEqual([b]);
    expect(sharer.choice.claim.resources).toEqual({});
    expect(placedOn(fleet, ledger, a, "jetson-orin").choice.claim.resources).toEqual({ "nvidia.com/gpu": 1 });
    // The holder gone, the sharer holds the device and the third model takes the free slot.
    fleet.byKey.delete(a);
    ledger.touch(a);
    expect((await ledger.settle()).changed.sort()).toEqual([b, c]);
    expect(placements(fleet, ledger, "jetson-orin")).toEqual({ [b]: "nvidia-gpu trt-fp16 holder", [c]: "nvidia-gpu trt-fp16 sharer" });
    expect(placedOn(fleet, ledger, b, "jetson-orin").choice.sharedWith).toEqual([c]);
  });

  it("queues the models already on a device when another joins it, so their status names it too", async () => {
    const fleet = new Fleet(referenceFleet(1), SHARED_TRT);
    const a = fleet.add("a", 1);
    const ledger = new CapacityLedger(fleet);
    await ledger.settle();
    const b = fleet.add("b", 2);
    ledger.touch(b);
    expect((await ledger.settle()).changed).toEqual([a]);
    expect(placedOn(fleet, ledger, a, "jetson-orin").choice).toMatchObject({ claim: { sharing: { role: "holder" } }, sharedWith: [b] });
    // The plan the first settle made for a's reconcile, planned before b existed, names b as of now.
    const { plan: made } = await ledger.placementFor(a, fleet.byKey.get(a) as EdgeModel);
    expect(made?.classes.find((c) => c.hardwareClass === "jetson-orin")).toMatchObject({ choice: { sharedWith: [b] } });
  });

  it("accounts memory requests, and leaves a class unplaced when no accelerator has room", async () => {
    const fleet = new Fleet([classNode("x86-cpu", 1)]);
    const spec = { resources: { requests: { memory: "3Gi" } } };
    const keys = ["a", "b", "c"].map((n, i) => fleet.add(n, i, spec));
    const ledger = new CapacityLedger(fleet);
    await ledger.settle();
    expect(placements(fleet, ledger, "x86-cpu")).toEqual({
      [keys[0] as string]: "cpu onnx-fp32",
      [keys[1] as string]: "cpu onnx-fp32",
      [keys[2] as string]: "unplaced",
    });
    const c = classPlan(fleet, ledger, keys[2] as string, "x86-cpu");
    expect(c).toMatchObject({ placed: false, capacityLimited: true });
    expect(c?.placed === false && c.reason).toContain(
      "needs 3072Mi memory on node x86-cpu-0001, where older models' placements take 6144Mi of 8192Mi",
    );
  });

  it("hands a reconcile its capacity only once no settle is under way, with the plan made from the same object", async () => {
    const fleet = new Fleet();
    const keys = Array.from({ length: 40 }, (_, i) => fleet.add(`m${i}`, i));
    const ledger = new CapacityLedger(fleet);
    const last = keys[39] as string;
    const model = fleet.byKey.get(last) as EdgeModel;
    // The settle yields every few plans; the reconcile asking meanwhile waits for the end of it.
    const [, placement] = await Promise.all([ledger.settle(), ledger.placementFor(last, model)]);
    expect(placement.capacity.taken("jetson-orin-0001", "nvidia.com/gpu")).toBe(1);
    expect(placement.plan?.classes.find((c) => c.hardwareClass === "jetson-orin")).toMatchObject({ choice: { accelerator: "cpu" } });
    // Taken once; a changed object gets none.
    expect((await ledger.placementFor(last, model)).plan).toBeUndefined();
  });

  it("hands out capacity as of its call: a later settle that moves a claim changes only what later calls see", async () => {
    const fleet = new Fleet();
    const a = fleet.add("a", 1);
    const b = fleet.add("b", 2);
    const ledger = new CapacityLedger(fleet);
    await ledger.settle();
    const gpu = (capacity: ReturnType<CapacityLedger["capacityFor"]>) => capacity.taken("jetson-orin-0001", "nvidia.com/gpu");
    const before = ledger.capacityFor(b);
    expect([gpu(before), gpu(ledger.capacityFor(b))]).toEqual([1, 1]);
    fleet.byKey.delete(a);
    ledger.touch(a);
    await ledger.settle();
    expect([gpu(before), gpu(ledger.capacityFor(b))]).toEqual([1, 0]);
    // b now holds the GPU: a model created after it sees that.
    const c = fleet.add("c", 3);
    ledger.touch(c);
    await ledger.settle();
    expect(gpu(ledger.capacityFor(c))).toBe(1);
  });

  it("starts over after a settle cut short by a plan that threw", async () => {
    const fleet = new Fleet([...referenceFleet(1), { metadata: {} }]);
    const a = fleet.add("a", 1);
    const ledger = new CapacityLedger(fleet);
    await expect(ledger.settle()).rejects.toThrow("a Node without metadata.name cannot be planned for");
    fleet.nodeList = referenceFleet(1);
    expect((await ledger.settle()).replanned).toBe(1);
    expect(placements(fleet, ledger, "jetson-orin")).toEqual({ [a]: "nvidia-gpu trt-fp16" });
  });

  it("after any sequence of changes holds what planning every model afresh gives", async () => {
    const next = seededRandom(7);
    const random = (n: number) => Math.floor(next() * n);
    const specs: Partial<EdgeModelSpec>[] = [
      {},
      { resources: { requests: { memory: "2Gi" } } },
      { variants: VISION_VARIANTS.filter((v) => v.name !== "onnx-fp32") },
      { placement: { acceleratorPreference: ["nvidia-gpu", "intel-gpu", "cpu"] } },
    ];
    const fleet = new Fleet(referenceFleet(2), SHARED_TRT);
    const ledger = new CapacityLedger(fleet);
    await ledger.settle();
    for (let step = 0; step < 120; step++) {
      const name = `m${random(12)}`;
      const key = `vision/${name}`;
      if (fleet.byKey.has(key) && random(3) === 0) fleet.byKey.delete(key);
      else fleet.add(name, random(60), specs[random(specs.length)]);
      ledger.touch(key);
      if (random(4) === 0) continue;
      await ledger.settle();
      const fresh = new CapacityLedger(fleet);
      await fresh.settle();
      for (const cls of ["jetson-orin", "intel-nuc", "rpi5-coral", "x86-cpu"]) {
        expect(placements(fleet, ledger, cls)).toEqual(placements(fleet, fresh, cls));
      }
    }
  });
});
