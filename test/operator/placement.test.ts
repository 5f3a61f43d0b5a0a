import type { EdgeModel } from "@edgefleet/api";
import { VISION_VARIANTS, variant } from "@edgefleet/api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, testCluster } from "../helpers/kube.js";
import { condition, converged, type EdgeModels } from "./edgemodels.js";
import type { OperatorProcess } from "./operator-process.js";
import { rawRequest } from "./raw-api.js";
import { startOperatorSuite } from "./suite.js";

const { kc, core } = testCluster();
// Other suites add nodes of their own; these models plan on the default 20-node fleet only.
const DEFAULT_FLEET = { "edgefleet.io/fleet-profile": "default" };
const TRT = variant("trt-fp16", "tensorrt", "fp16", ["nvidia-gpu"], { architectures: ["arm64"], minComputeCapability: "8.7" });

let ns: string;
let models: EdgeModels;
let operator: OperatorProcess;

beforeAll(async () => {
  ({ ns, models, operator } = await startOperatorSuite({ kc, core, name: "placement" }));
});

afterAll(async () => {
  await operator?.stop();
  if (ns) await core.deleteNamespace({ name: ns });
});

function summary(model: EdgeModel | undefined): Record<string, string> {
  return Object.fromEntries(
    (model?.status?.placements ?? []).map((p) => [
      p.hardwareClass,
      p.variant ? `${p.accelerator} ${p.variant} ${p.runtime} on ${p.nodes}` : "none",
    ]),
  );
}

const when = (name: string, type: string, status = "True") =>
  eventually(`${name} ${type}=${status}`, async () => {
    const m = await models.get(name);
    return converged(m) && condition(m, type)?.status === status ? m : undefined;
  });

describe("the operator on a heterogeneous fleet", () => {
  it("runs each hardware class's most preferred variant as one DaemonSet, and reports it per class", async () => {
    await models.create("detector", { placement: { nodeSelector: DEFAULT_FLEET } });
    const model = await when("detector", "Ready");
    expect(summary(model)).toEqual({
      "intel-nuc": "intel-npu ov-int8 openvino on 5",
      "jetson-orin": "nvidia-gpu trt-fp16 tensorrt on 5",
      "rpi5-coral": "edgetpu tflite-int8 tflite on 5",
      "x86-cpu": "cpu onnx-fp32 onnx on 5",
    });
    expect(model.status?.placements?.every((p) => p.ready === 5)).toBe(true);
    expect(model.metadata.finalizers ?? []).toEqual([]);
    expect(Object.fromEntries(["Progressing", "Degraded", "Stalled"].map((t) => [t, condition(model, t)?.status]))).toEqual({
      Progressing: "False",
      Degraded: "False",
      Stalled: "False",
    });

    const children = await models.daemonSets();
    expect(children.map((d) => d.metadata?.name).sort()).toEqual([
      "detector-intel-nuc",
      "detector-jetson-orin",
      "detector-rpi5-coral",
      "detector-x86-cpu",
    ]);
    const jetson = children.find((d) => d.metadata?.name === "detector-jetson-orin");
    expect(jetson?.metadata?.ownerReferences?.[0]).toMatchObject({
      kind: "EdgeModel",
      name: "detector",
      uid: model.metadata.uid,
      controller: true,
    });
    expect(jetson?.spec?.template.metadata?.labels?.["edgefleet.io/variant"]).toBe("trt-fp16");
    expect(jetson?.spec?.template.spec?.nodeSelector).toEqual({ ...DEFAULT_FLEET, "edgefleet.io/hardware-class": "jetson-orin" });
    expect(jetson?.status?.numberReady).toBe(5);
    // The catalog's TensorRT runtime serves every model on a Jetson from one Triton per device: the
    // model's pods run the model loader, the server's hold the GPU.
    expect(jetson?.spec?.template.spec?.containers.map((c) => [c.name, c.resources?.limits?.["nvidia.com/gpu"]])).toEqual([
      ["model-loader", undefined],
    ]);
    const [server] = await models.serverDaemonSets();
    expect(server?.metadata?.name).toBe("tensorrt-jetson-orin-nvidia-gpu-server");
    expect(server?.spec?.template.spec?.containers[0]?.resources?.limits).toEqual({ "nvidia.com/gpu": "1" });
    expect(server?.status?.numberReady).toBe(5);

    const events = await eventually("a Ready event", async () => {
      const res = await rawRequest(kc, { method: "GET", path: `/apis/events.k8s.io/v1/namespaces/${ns}/events` });
      const items = (res.body.items ?? []) as { reason: string; regarding: { name: string } }[];
      return items.some((e) => e.reason === "Ready" && e.regarding.name === "detector") ? items : undefined;
    });
    expect(events.length).toBeGreaterThan(0);
  });

  it("falls back to a less preferred accelerator, and reports classes no variant fits as Degraded", async () => {
    const tflite = variant("tflite-int8", "tflite", "int8", ["edgetpu", "cpu"]);
    await models.create("fallback", { variants: [TRT, tflite], placement: { nodeSelector: DEFAULT_FLEET } });
    await models.create("gpu-only", { variants: [TRT], placement: { nodeSelector: DEFAULT_FLEET } });

    // Created after detector, whose pods hold every Pi's one TPU: these fall back there, or place
    // nothing where nothing else fits, rather than leave pods Pending. The Jetsons' GPUs they share
    // with detector: the catalog's Triton serves up to 4 models of a namespace from one process per device.
    const fallback = await when("fallback", "Degraded");
    expect(summary(fallback)).toEqual({
      "intel-nuc": "cpu tflite-int8 tflite on 5",
      "jetson-orin": "nvidia-gpu trt-fp16 tensorrt on 5",
      "rpi5-coral": "cpu tflite-int8 tflite on 5",
      "x86-cpu": "cpu tflite-int8 tflite on 5",
    });
    expect(condition(fallback, "Degraded")).toMatchObject({ reason: "CapacityFallback" });
    expect(condition(fallback, "Degraded")?.message).toContain("1 of 4 hardware class(es) fell back");
    await when("fallback", "Ready");

    const gpuOnly = await when("gpu-only", "Degraded");
    expect(condition(gpuOnly, "Degraded")).toMatchObject({ reason: "NoCompatibleVariant" });
    expect(condition(gpuOnly, "Degraded")?.message).toContain("3 of 4 hardware class(es) can run no variant");
    expect(summary(gpuOnly)).toEqual({
      "intel-nuc": "none",
      "jetson-orin": "nvidia-gpu trt-fp16 tensorrt on 5",
      "rpi5-coral": "none",
      "x86-cpu": "none",
    });
    const names = (await models.daemonSets()).map((d) => d.metadata?.name);
    expect(names.filter((n) => n?.startsWith("gpu-only"))).toEqual(["gpu-only-jetson-orin"]);
    // Three models on each Jetson's GPU, all from the one server per device.
    expect((await models.serverDaemonSets()).map((d) => d.metadata?.name)).toEqual(["tensorrt-jetson-orin-nvidia-gpu-server"]);
  });

  it("replans on a spec change and deletes the children no longer wanted", async () => {
    await models.patchSpec("detector", { placement: { nodeSelector: { ...DEFAULT_FLEET, "edgefleet.io/hardware-class": "x86-cpu" } } });
    await eventually("detector replanned onto x86-cpu only", async () => {
      const m = await models.get("detector");
      const names = (await models.daemonSets()).map((d) => d.metadata?.name).filter((n) => n?.startsWith("detector-"));
      return converged(m) && m?.metadata.generation === 2 && names.join() === "detector-x86-cpu" ? true : undefined;
    });
    // The Pis' TPUs detector left go to the next model in line.
    const fallback = await eventually("fallback moved onto the freed TPUs", async () => {
      const m = await models.get("fallback");
      return summary(m)["rpi5-coral"]?.startsWith("edgetpu") ? m : undefined;
    });
    expect(summary(fallback)).toMatchObject({
      "jetson-orin": "nvidia-gpu trt-fp16 tensorrt on 5",
      "rpi5-coral": "edgetpu tflite-int8 tflite on 5",
    });
  });

  it("stalls a model no node matches, without retrying", async () => {
    await models.create("nowhere", { variants: VISION_VARIANTS, placement: { nodeSelector: { "edgefleet.io/site": "no-such-site" } } });
    const m = await eventually("nowhere Stalled", async () => {
      const m = await models.get("nowhere");
      return converged(m) ? m : undefined;
    });
    expect(condition(m, "Stalled")).toMatchObject({ status: "True", reason: "NoMatchingNodes" });
    expect(condition(m, "Ready")?.status).toBe("False");
  });

  it("serves controller-runtime's metrics, edgefleet's own, and health probes", async () => {
    const { status, text } = await operator.get("/metrics");
    expect(status).toBe(200);
    const success = /controller_runtime_reconcile_total\{controller="edgemodel",result="success"\} (\d+)/.exec(text);
    expect(Number(success?.[1])).toBeGreaterThan(0);
    for (const family of [
      "controller_runtime_reconcile_errors_total",
      "controller_runtime_reconcile_time_seconds_bucket",
      "workqueue_depth",
      "workqueue_adds_total",
      "workqueue_queue_duration_seconds_bucket",
      "workqueue_work_duration_seconds_bucket",
      "workqueue_retries_total",
      "workqueue_unfinished_work_seconds",
      "workqueue_longest_running_processor_seconds",
      "edgefleet_kube_requests_total",
      "edgefleet_informer_objects",
      "edgefleet_leader_is_leader 1",
      "process_resident_memory_bytes",
    ]) {
      expect(text).toContain(family);
    }
    expect((await operator.get("/healthz")).status).toBe(200);
    expect((await operator.get("/readyz")).status).toBe(200);
  });

  it("deleting EdgeModels leaves nothing behind", async () => {
    for (const m of await models.list()) await models.delete(m.metadata.name ?? "");
    await eventually("models, DaemonSets and pods gone", async () => {
      const pods = await core.listNamespacedPod({ namespace: ns });
      const left = (await models.list()).length + (await models.daemonSets()).length + pods.items.length;
      return left === 0 ? true : undefined;
    });
  });
});
