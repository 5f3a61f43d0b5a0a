import type { EdgeRuntime } from "@edgefleet/api";
import { variant } from "@edgefleet/api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, testCluster } from "../helpers/kube.js";
import { condition, type EdgeModels } from "./edgemodels.js";
import { applyRuntime, deleteRuntime } from "./install.js";
import { counter, writes } from "./operator-metrics.js";
import { OperatorProcess } from "./operator-process.js";
import { placedAs } from "./placements.js";
import { startOperatorSuite } from "./suite.js";

const { kc, core } = testCluster();
// One node of the default fleet's Jetson class (nodes are taken in name order): one nvidia.com/gpu.
const ONE_JETSON = {
  nodeSelector: { "edgefleet.io/fleet-profile": "default", "edgefleet.io/hardware-class": "jetson-orin" },
  maxNodesPerClass: 1,
};
// TensorRT fp32: a precision only this suite's runtime serves, so other suites' models never pick it.
const RUNTIME = "capacity-trt-shared";
const TRT = variant("trt-fp32", "tensorrt", "fp32", ["nvidia-gpu"], { architectures: ["arm64"] });
const ONNX = variant("onnx-fp32", "onnx", "fp32", ["cpu"]);
const SPEC = { variants: [TRT, ONNX], placement: ONE_JETSON };

/** A runtime that serves several models per device: two models' pods on one GPU. */
const sharedRuntime: EdgeRuntime = {
  apiVersion: "edgefleet.io/v1alpha1",
  kind: "EdgeRuntime",
  metadata: { name: RUNTIME },
  spec: {
    image: "example.com/triton:1",
    supportedFormats: [{ format: "tensorrt", precisions: ["fp32"] }],
    accelerators: [{ kind: "nvidia-gpu", resources: { "nvidia.com/gpu": 1 }, sharing: { maxModels: 2 } }],
    architectures: ["arm64"],
  },
};

let ns: string;
let kubeconfig: string;
let models: EdgeModels;
let operator: OperatorProcess;
let restarted: OperatorProcess | undefined;

beforeAll(async () => {
  ({ ns, kubeconfig, models, operator } = await startOperatorSuite({ kc, core, name: "capacity" }));
  await applyRuntime(kc, sharedRuntime);
});

afterAll(async () => {
  await operator?.stop();
  await restarted?.stop();
  await deleteRuntime(kc, RUNTIME);
  if (ns) await core.deleteNamespace({ name: ns });
});

const jetson = (want: Record<string, string>) => placedAs(models, "jetson-orin", want);

/** The nvidia.com/gpu limit of a model's Jetson DaemonSet's runtime container, or "none". */
async function gpuLimit(name: string): Promise<string> {
  const ds = (await models.daemonSets()).find((d) => d.metadata?.name === `${name}-jetson-orin`);
  return ds?.spec?.template.spec?.containers[0]?.resources?.limits?.["nvidia.com/gpu"] ?? "none";
}

describe("capacity-aware placement", () => {
  it("places two models on one GPU through a sharing runtime, and the third on the CPU, saying why", async () => {
    // Created in name order: the same second (or a later one) orders them a, b, c.
    for (const name of ["a", "b", "c"]) await models.create(name, SPEC);
    const placed = await jetson({
      a: `nvidia-gpu trt-fp32 holder with [${ns}/b]`,
      b: `nvidia-gpu trt-fp32 sharer with [${ns}/a]`,
      c: "cpu onnx-fp32",
    });
    expect(condition(placed.a, "Degraded")).toMatchObject({ status: "False", reason: "AllClassesPlaced" });
    const degraded = condition(placed.c, "Degraded");
    expect(degraded).toMatchObject({ status: "True", reason: "CapacityFallback" });
    expect(degraded?.message).toContain("jetson-orin runs onnx-fp32 on cpu, passing over trt-fp32 on nvidia-gpu");
    expect(placed.c?.status?.placements?.[0]?.reason).toContain("where older models' placements take");
    // Only the holder's pods request the GPU; the sharer's run beside them on the same node.
    expect(await gpuLimit("a")).toBe("1");
    expect(await gpuLimit("b")).toBe("none");
    // a and b both run on the one-GPU node; c runs too, degraded, not Pending.
    await eventually("a, b and c Ready", async () => {
      const all = await Promise.all(["a", "b", "c"].map((n) => models.get(n)));
      return all.every((m) => condition(m, "Ready")?.status === "True") ? true : undefined;
    });
  });

  it("gives the freed device to the next models in line when its holder is deleted", async () => {
    await models.delete("a");
    await jetson({ b: `nvidia-gpu trt-fp32 holder with [${ns}/c]`, c: `nvidia-gpu trt-fp32 sharer with [${ns}/b]` });
    const c = await models.get("c");
    expect(condition(c, "Degraded")).toMatchObject({ status: "False", reason: "AllClassesPlaced" });
    await eventually("b's DaemonSet requests the GPU, c's does not", async () =>
      (await gpuLimit("b")) === "1" && (await gpuLimit("c")) === "none" ? true : undefined,
    );
    const replans = /^edgefleet_placement_capacity_replans_total (\S+)$/m.exec((await operator.get("/metrics")).text);
    expect(Number(replans?.[1])).toBeGreaterThan(0);
  });

  it("a restarted operator places every model as before, and writes nothing", async () => {
    // Settled first: until b's and c's pods on their new DaemonSets are ready, the status the old
    // operator last wrote is not the final one, and the new one would rightly write it.
    await eventually("b and c Ready", async () => {
      const all = await Promise.all(["b", "c"].map((n) => models.get(n)));
      return all.every((m) => condition(m, "Ready")?.status === "True") ? true : undefined;
    });
    operator.kill("SIGTERM");
    expect(await operator.exited).toBe(0);
    restarted = new OperatorProcess({ kubeconfig, namespace: ns, identity: "capacity-restarted" });
    await restarted.waitForLog("controller started", { timeoutMs: 20_000 });
    const op = restarted;
    await eventually("both models reconciled", async () =>
      (await counter(op, "edgefleet_reconcile_outcomes_total", /./)) >= 2 &&
      (await counter(op, "workqueue_depth", /controller="edgemodel"/)) === 0
        ? true
        : undefined,
    );
    // Anything a reconcile sends leaves before it counts as done; a second look catches late Events.
    await new Promise((r) => setTimeout(r, 1000));
    expect(await writes(op)).toEqual({ POST: 0, PATCH: 0, DELETE: 0 });
    await jetson({ b: `nvidia-gpu trt-fp32 holder with [${ns}/c]`, c: `nvidia-gpu trt-fp32 sharer with [${ns}/b]` });
  });
});
