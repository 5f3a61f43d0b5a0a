import type { EdgeRuntime } from "@edgefleet/api";
import { LABELS, variant } from "@edgefleet/api";
import type { V1DaemonSet } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, testCluster } from "../helpers/kube.js";
import { condition, type EdgeModels } from "./edgemodels.js";
import { applyRuntime, deleteRuntime } from "./install.js";
import type { OperatorProcess } from "./operator-process.js";
import { placedAs } from "./placements.js";
import { rawRequest } from "./raw-api.js";
import { startOperatorSuite } from "./suite.js";

const { kc, core } = testCluster();
// One node of the default fleet's Jetson class (nodes are taken in name order): one nvidia.com/gpu.
const ONE_JETSON = {
  nodeSelector: { "edgefleet.io/fleet-profile": "default", "edgefleet.io/hardware-class": "jetson-orin" },
  maxNodesPerClass: 1,
};
// TensorRT int4: a precision only this suite's runtime serves, so other suites' models never pick it.
const RUNTIME = "shared-trt-server";
const SERVER = `${RUNTIME}-jetson-orin-nvidia-gpu-server`;
const TRT = variant("trt-int4", "tensorrt", "int4", ["nvidia-gpu"], { architectures: ["arm64"] });
const ONNX = variant("onnx-fp32", "onnx", "fp32", ["cpu"]);
const SPEC = { variants: [TRT, ONNX], placement: ONE_JETSON };

/** Triton as a site would run it: one process per Jetson serving up to two models on its GPU. */
const sharedRuntime: EdgeRuntime = {
  apiVersion: "edgefleet.io/v1alpha1",
  kind: "EdgeRuntime",
  metadata: { name: RUNTIME },
  spec: {
    image: "nvcr.io/nvidia/tritonserver:24.08-py3-igpu",
    command: ["tritonserver"],
    args: [
      "--model-repository=/tmp/models",
      "--model-control-mode=explicit",
      "--http-restricted-api=model-repository:edgefleet-load-key=$(EDGEFLEET_LOAD_KEY)",
      "--http-port=8000",
    ],
    ports: [{ name: "http", containerPort: 8000 }],
    supportedFormats: [{ format: "tensorrt", precisions: ["int4"] }],
    accelerators: [{ kind: "nvidia-gpu", resources: { "nvidia.com/gpu": 1 }, sharing: { maxModels: 2 } }],
    architectures: ["arm64"],
    serving: "Shared",
  },
};

let ns: string;
let models: EdgeModels;
let operator: OperatorProcess;

beforeAll(async () => {
  ({ ns, models, operator } = await startOperatorSuite({ kc, core, name: "shared-server" }));
  await applyRuntime(kc, sharedRuntime);
});

afterAll(async () => {
  await operator?.stop();
  await deleteRuntime(kc, RUNTIME);
  if (ns) await core.deleteNamespace({ name: ns });
});

const jetson = (want: Record<string, string>) => placedAs(models, "jetson-orin", want);

const object = async (path: string) => rawRequest(kc, { method: "GET", path });
const server = () => object(`/apis/apps/v1/namespaces/${ns}/daemonsets/${SERVER}`);
const modelDaemonSet = async (name: string): Promise<V1DaemonSet | undefined> =>
  (await models.daemonSets()).find((d) => d.metadata?.name === `${name}-jetson-orin`);

describe("a runtime with serving: Shared", () => {
  it("runs one server per node holding the GPU, loads two models into it, and places a third on the CPU, saying why", async () => {
    for (const name of ["a", "b", "c"]) await models.create(name, SPEC);
    const placed = await jetson({
      a: `nvidia-gpu trt-int4 holder with [${ns}/b]`,
      b: `nvidia-gpu trt-int4 sharer with [${ns}/a]`,
      c: "cpu onnx-fp32",
    });
    expect(placed.c?.status?.placements?.[0]?.reason).toContain(
      `runtime ${RUNTIME} serves from one process per node, whose device on node`,
    );
    expect(placed.c?.status?.placements?.[0]?.reason).toContain("takes 2 models (sharing.maxModels)");

    const ds = (await eventually("the server's DaemonSet", async () => {
      const res = await server();
      return res.status === 200 ? res.body : undefined;
    })) as unknown as V1DaemonSet;
    const container = ds.spec?.template.spec?.containers[0];
    expect(container?.image).toBe(sharedRuntime.spec.image);
    expect(container?.args).toEqual(sharedRuntime.spec.args);
    expect(container?.resources?.limits).toEqual({ "nvidia.com/gpu": "1" });
    expect(container?.env?.[0]).toEqual({
      name: "EDGEFLEET_LOAD_KEY",
      valueFrom: { secretKeyRef: { name: `${SERVER}-load-key`, key: "key" } },
    });
    // Where its models may run: their placement's labels and the class's.
    expect(ds.spec?.template.spec?.nodeSelector).toEqual({
      "edgefleet.io/fleet-profile": "default",
      [LABELS.hardwareClass]: "jetson-orin",
    });
    const service = await object(`/api/v1/namespaces/${ns}/services/${SERVER}`);
    expect((service.body as { spec: unknown }).spec).toMatchObject({
      internalTrafficPolicy: "Local",
      ports: [expect.objectContaining({ port: 8000 })],
    });
    const policy = await object(`/apis/networking.k8s.io/v1/namespaces/${ns}/networkpolicies/${SERVER}`);
    expect((policy.body as { spec: { ingress: unknown } }).spec.ingress).toEqual([
      { from: [{ podSelector: { matchLabels: { [LABELS.modelServer]: SERVER } } }], ports: [{ protocol: "TCP", port: 8000 }] },
    ]);
    expect((await object(`/api/v1/namespaces/${ns}/secrets/${SERVER}-load-key`)).status).toBe(200);

    // The models' pods run the model loader, requesting no GPU: the server holds it for both.
    for (const name of ["a", "b"]) {
      const loader = (await modelDaemonSet(name))?.spec?.template;
      expect(loader?.metadata?.labels?.[LABELS.modelServer]).toBe(SERVER);
      const c = loader?.spec?.containers[0];
      expect(c?.name).toBe("model-loader");
      expect(c?.command).toEqual(["/nodejs/bin/node", "/app/model-loader.mjs"]);
      expect(c?.resources?.limits).toBeUndefined();
      expect(c?.env).toContainEqual({ name: "EDGEFLEET_MODEL_SERVER", value: `http://${SERVER}.${ns}.svc:8000` });
    }
    await eventually("a and b Ready", async () => {
      const all = await Promise.all(["a", "b"].map((n) => models.get(n)));
      return all.every((m) => condition(m, "Ready")?.status === "True") ? true : undefined;
    });
  });

  it("keeps the server while a model uses it, and deletes it with its Service, NetworkPolicy and Secret after the last one leaves", async () => {
    await models.delete("a");
    await jetson({ b: `nvidia-gpu trt-int4 holder with [${ns}/c]`, c: `nvidia-gpu trt-int4 sharer with [${ns}/b]` });
    expect((await server()).status).toBe(200);
    await models.delete("b");
    await models.delete("c");
    await eventually("the server and its objects deleted", async () => {
      const paths = [
        `/apis/apps/v1/namespaces/${ns}/daemonsets/${SERVER}`,
        `/api/v1/namespaces/${ns}/services/${SERVER}`,
        `/apis/networking.k8s.io/v1/namespaces/${ns}/networkpolicies/${SERVER}`,
        `/api/v1/namespaces/${ns}/secrets/${SERVER}-load-key`,
      ];
      const statuses = await Promise.all(paths.map(async (p) => (await object(p)).status));
      return statuses.every((s) => s === 404) ? true : undefined;
    });
  });
});
