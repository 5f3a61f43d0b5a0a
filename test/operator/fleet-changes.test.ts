import { classNode } from "@edgefleet/operator";
import { KWOK_NODE_ANNOTATION } from "@edgefleet/tools";
import type { V1Node } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, testCluster } from "../helpers/kube.js";
import { condition, converged, type EdgeModels } from "./edgemodels.js";
import type { OperatorProcess } from "./operator-process.js";
import { rawRequest } from "./raw-api.js";
import { startOperatorSuite } from "./suite.js";

const { kc, core } = testCluster();
// A fleet profile of this suite's own: the default fleet's 20 nodes stay as other suites expect them.
const PROFILE = `op-fleet-${Date.now().toString(36)}`;
const HARDWARE_CLASS = "edgefleet.io/hardware-class";
const SUITE_TAINT = { key: "edgefleet.io/test", value: "fleet-changes", effect: "NoSchedule" } as const;
const RESERVED_TAINT = { key: "edgefleet.io/reserved", value: "lab", effect: "NoExecute" } as const;
// The watcher tolerates the suite's own taint, as a model placed on dedicated nodes would.
const PLACEMENT = {
  nodeSelector: { "edgefleet.io/fleet-profile": PROFILE },
  tolerations: [{ key: SUITE_TAINT.key, operator: "Exists" as const }],
};

let ns: string;
let models: EdgeModels;
let operator: OperatorProcess;
const nodeNames: string[] = [];
const SERVER = "tensorrt-jetson-orin-nvidia-gpu-server";

async function send(method: "POST" | "PATCH", path: string, body: unknown): Promise<void> {
  const res = await rawRequest(kc, { method, path, body, ...(method === "PATCH" ? { contentType: "application/merge-patch+json" } : {}) });
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${res.body.message}`);
}

function nodeNameOf(cls: "jetson-orin" | "intel-nuc", index: number): string {
  return `${PROFILE}-${cls}-${index}`;
}

/** A node of a reference class under this suite's profile, tainted so no other suite's pods land on it. */
async function addNode(cls: "jetson-orin" | "intel-nuc", index: number, extraTaints: (typeof RESERVED_TAINT)[] = []): Promise<string> {
  const base = classNode(cls, index);
  const name = nodeNameOf(cls, index);
  const node: V1Node = {
    metadata: {
      name,
      annotations: { [KWOK_NODE_ANNOTATION]: "fake" },
      labels: { ...base.metadata?.labels, "kubernetes.io/hostname": name, "edgefleet.io/fleet-profile": PROFILE },
    },
    spec: { taints: [SUITE_TAINT, ...extraTaints] },
  };
  await send("POST", "/api/v1/nodes", node);
  // The main resource ignores status: capacity goes through the status subresource, as kubelet does.
  await send("PATCH", `/api/v1/nodes/${name}/status`, { status: base.status });
  nodeNames.push(name);
  return name;
}

/** What a timed-out wait needs looked at: the model's conditions, its pods on node, the operator's last warnings. */
async function stateOf(node: string): Promise<string> {
  const pods = await core.listNamespacedPod({ namespace: ns, fieldSelector: `spec.nodeName=${node}` });
  const pending = await core.listNamespacedPod({ namespace: ns, fieldSelector: "status.phase=Pending" });
  return [
    `model conditions: ${JSON.stringify((await models.get("watcher"))?.status?.conditions)}`,
    `pods on ${node}: ${JSON.stringify(pods.items.map((p) => [p.metadata?.name, p.status?.phase, p.status?.conditions]))}`,
    `pending pods: ${JSON.stringify(pending.items.map((p) => [p.metadata?.name, p.spec?.nodeName, p.status?.conditions]))}`,
    `operator: ${JSON.stringify(operator.logs.filter((l) => l.level !== "info" && l.level !== "debug").slice(-5))}`,
  ].join("\n");
}

async function children(): Promise<string[]> {
  return (await models.daemonSets()).map((d) => d.metadata?.name ?? "").sort();
}

async function placements(): Promise<Record<string, string>> {
  const m = await models.get("watcher");
  return Object.fromEntries((m?.status?.placements ?? []).map((p) => [p.hardwareClass, `${p.variant} x${p.nodes}`]));
}

/** Waits until the model's children and placements are as expected. */
async function expectPlan(what: string, dsNames: string[], expected: Record<string, string>): Promise<void> {
  await eventually(what, async () => {
    const m = await models.get("watcher");
    const [names, got] = [await children(), await placements()];
    return converged(m) && names.join() === dsNames.join() && JSON.stringify(got) === JSON.stringify(expected) ? true : undefined;
  });
}

beforeAll(async () => {
  ({ ns, models, operator } = await startOperatorSuite({ kc, core, name: "fleet-changes" }));
});

afterAll(async () => {
  for (const name of nodeNames) await core.deleteNode({ name }).catch(() => {});
  await models?.delete("watcher");
  await eventually("watcher finalized", async () => ((await models.get("watcher")) ? undefined : true)).catch(() => {});
  await operator?.stop();
  if (ns) await core.deleteNamespace({ name: ns });
});

describe("the operator following the fleet", () => {
  it("stalls a model while no node matches it", async () => {
    await models.create("watcher", { placement: PLACEMENT });
    const m = await eventually("watcher converged", async () => {
      const m = await models.get("watcher");
      return converged(m) ? m : undefined;
    });
    expect(condition(m, "Stalled")).toMatchObject({ status: "True", reason: "NoMatchingNodes" });
    expect(await children()).toEqual([]);
  });

  it("places the model on a node joining a new class, and on the next class to join", async () => {
    await addNode("jetson-orin", 1);
    await expectPlan("a DaemonSet for jetson-orin", ["watcher-jetson-orin"], { "jetson-orin": "trt-fp16 x1" });
    await addNode("intel-nuc", 1);
    await addNode("jetson-orin", 2);
    await expectPlan("DaemonSets for both classes", ["watcher-intel-nuc", "watcher-jetson-orin"], {
      "intel-nuc": "ov-int8 x1",
      "jetson-orin": "trt-fp16 x2",
    });
    expect(condition(await models.get("watcher"), "Stalled")?.status).toBe("False");
  });

  it("replans when a node's labels move it to another class", async () => {
    const nuc = nodeNames.find((n) => n.includes("intel-nuc"));
    if (!nuc) throw new Error("the intel-nuc node of the earlier test is missing");
    await send("PATCH", `/api/v1/nodes/${nuc}`, { metadata: { labels: { [HARDWARE_CLASS]: "nuc-lab" } } });
    await expectPlan("intel-nuc replaced by nuc-lab", ["watcher-jetson-orin", "watcher-nuc-lab"], {
      "jetson-orin": "trt-fp16 x2",
      "nuc-lab": "ov-int8 x1",
    });
  });

  it("drops a class whose last node leaves, and shrinks one that loses a node", async () => {
    const [orin1, orin2] = nodeNames.filter((n) => n.includes("jetson-orin"));
    // An empty name would delete the whole node collection, the default fleet with it.
    if (!orin1 || !orin2) throw new Error("the jetson-orin nodes of the earlier test are missing");
    await core.deleteNode({ name: orin1 });
    await expectPlan("jetson-orin down to one node", ["watcher-jetson-orin", "watcher-nuc-lab"], {
      "jetson-orin": "trt-fp16 x1",
      "nuc-lab": "ov-int8 x1",
    });
    await core.deleteNode({ name: orin2 });
    await expectPlan("jetson-orin gone", ["watcher-nuc-lab"], { "nuc-lab": "ov-int8 x1" });
  });

  it("leaves out a node whose taint the model does not tolerate, and takes it once tolerated or untainted", async () => {
    const reserved = await addNode("jetson-orin", 3, [RESERVED_TAINT]);
    // Another node event would replan the model; this one must not place it on the reserved node.
    await send("PATCH", `/api/v1/nodes/${reserved}`, { metadata: { labels: { "edgefleet.io/noticed": "yes" } } });
    await expectPlan("the reserved node left out", ["watcher-nuc-lab"], { "nuc-lab": "ov-int8 x1" });
    // Status says which node was left out and why, so nobody wonders why the class is missing.
    const leftOut = `1 node(s) left out for taints the model does not tolerate: ${reserved} (edgefleet.io/reserved=lab:NoExecute)`;
    await eventually("Ready naming the reserved node", async () => {
      const ready = condition(await models.get("watcher"), "Ready");
      return ready?.status === "True" && ready.message?.includes(leftOut) ? true : undefined;
    });
    await models.patchSpec("watcher", {
      placement: { ...PLACEMENT, tolerations: [...PLACEMENT.tolerations, { key: RESERVED_TAINT.key, operator: "Exists" }] },
    });
    await expectPlan("the reserved node tolerated", ["watcher-jetson-orin", "watcher-nuc-lab"], {
      "jetson-orin": "trt-fp16 x1",
      "nuc-lab": "ov-int8 x1",
    });
    const ds = (await models.daemonSets()).find((d) => d.metadata?.name === "watcher-jetson-orin");
    expect(ds?.spec?.template.spec?.tolerations?.map((t) => t.key)).toEqual([SUITE_TAINT.key, RESERVED_TAINT.key]);
    await models.patchSpec("watcher", { placement: PLACEMENT });
    await expectPlan("left out again", ["watcher-nuc-lab"], { "nuc-lab": "ov-int8 x1" });
    // The taint going away is a node change the planner follows.
    await send("PATCH", `/api/v1/nodes/${reserved}`, { spec: { taints: [SUITE_TAINT] } });
    await expectPlan("the untainted node taken", ["watcher-jetson-orin", "watcher-nuc-lab"], {
      "jetson-orin": "trt-fp16 x1",
      "nuc-lab": "ov-int8 x1",
    });
  });
});

describe("runtime pods that cannot start", () => {
  const squatter = "gpu-squatter";
  afterAll(async () => {
    await core.deleteNamespacedPod({ name: squatter, namespace: ns, gracePeriodSeconds: 0 }).catch(() => {});
  });

  it("says which pods cannot start and why, and clears it once they run", async () => {
    // A pod no EdgeModel owns holds the new node's one GPU: the planner counts only models' claims,
    // so the pod that would hold it finds no room, in the real scheduler's words: on the catalog's
    // TensorRT runtime (Triton, one process per Jetson) the server's pod, whose problem is the model's.
    // The squatter is bound before the node exists: created after it, it raced the DaemonSet's pod,
    // which the scheduler could bind first (CI saw both Running on the one GPU).
    const node = nodeNameOf("jetson-orin", 4);
    await core.createNamespacedPod({
      namespace: ns,
      body: {
        metadata: { name: squatter },
        spec: {
          nodeName: node,
          tolerations: [{ key: SUITE_TAINT.key, operator: "Exists" }],
          containers: [{ name: "job", image: "example.com/gpu-job:1", resources: { limits: { "nvidia.com/gpu": "1" } } }],
        },
      },
    });
    await addNode("jetson-orin", 4);
    const degraded = await eventually("Degraded PodsNotStarting", async () => {
      const d = condition(await models.get("watcher"), "Degraded");
      return d?.status === "True" && d.reason === "PodsNotStarting" ? d : undefined;
    }).catch(async (err: Error) => {
      throw new Error(`${err.message}\n${await stateOf(node)}`);
    });
    expect(degraded.message).toMatch(
      /^jetson-orin: 1 runtime pod\(s\) cannot start; pod tensorrt-jetson-orin-nvidia-gpu-server-\w+: Unschedulable: 0\/\d+ nodes are available: 1 Insufficient nvidia\.com\/gpu/,
    );
    expect(degraded.message).toContain("its node lacks what it requests");
    expect(condition(await models.get("watcher"), "Ready")).toMatchObject({ status: "False", reason: "PodsNotStarting" });
    await eventually("a PodsNotStarting Warning event", async () => {
      const events = await core.listNamespacedEvent({ namespace: ns, fieldSelector: "involvedObject.name=watcher,reason=PodsNotStarting" });
      return events.items.some((e) => e.type === "Warning") ? true : undefined;
    });

    await core.deleteNamespacedPod({ name: squatter, namespace: ns, gracePeriodSeconds: 0 });
    await eventually("Ready once the pod runs", async () => {
      const m = await models.get("watcher");
      return condition(m, "Ready")?.status === "True" && condition(m, "Degraded")?.reason === "AllClassesPlaced" ? true : undefined;
    });
  });

  it("says which runtime pod keeps crashing after it started, from the kubelet's BackOff Event, and clears it once ready", async () => {
    // What a kubelet reports of a runtime that exits loading its model: the pod stays Running, its
    // container waits out a back-off, and a Warning Event BackOff names the pod. kwok leaves a
    // started pod's status alone, so the status and the Event are written here as the kubelet would.
    // Once the DaemonSets' rollouts are done: a DaemonSet still rolling replaces a pod not ready at once.
    await eventually("the model's DaemonSets and its server's rolled out", async () => {
      const all = [...(await models.daemonSets()), ...(await models.serverDaemonSets())];
      return all.every((d) => {
        const st = d.status;
        return (
          st?.observedGeneration === d.metadata?.generation &&
          st?.updatedNumberScheduled === st?.desiredNumberScheduled &&
          st?.numberReady === st?.desiredNumberScheduled
        );
      })
        ? true
        : undefined;
    });
    // The Jetsons' runtime: the one Triton per device the model loads into (the catalog's TensorRT runtime).
    const pods = await core.listNamespacedPod({ namespace: ns, labelSelector: `edgefleet.io/runtime-server=${SERVER}` });
    const pod = pods.items.find((p) => p.status?.phase === "Running" && !p.metadata?.deletionTimestamp);
    const name = pod?.metadata?.name ?? "";
    expect(name).not.toBe("");
    const statusPath = `/api/v1/namespaces/${ns}/pods/${name}/status`;
    const readyCondition = (status: "True" | "False") =>
      ["Ready", "ContainersReady"].map((type) => ({ type, status, lastTransitionTime: new Date().toISOString() }));
    const container = (ready: boolean) => ({
      name: "server",
      image: pod?.spec?.containers[0]?.image ?? "",
      imageID: "",
      ready,
      restartCount: 3,
      started: ready,
      state: ready
        ? { running: { startedAt: new Date().toISOString() } }
        : { waiting: { reason: "CrashLoopBackOff", message: `back-off 40s restarting failed container=server pod=${name}_${ns}` } },
      lastState: {
        terminated: { exitCode: 1, reason: "Error", startedAt: new Date().toISOString(), finishedAt: new Date().toISOString() },
      },
    });
    const setStatus = async (ready: boolean) => {
      const res = await rawRequest(kc, {
        method: "PATCH",
        path: statusPath,
        contentType: "application/strategic-merge-patch+json",
        body: { status: { conditions: readyCondition(ready ? "True" : "False"), containerStatuses: [container(ready)] } },
      });
      if (res.status >= 300) throw new Error(`PATCH ${statusPath}: ${res.status} ${res.body.message}`);
    };
    await setStatus(false);
    const now = new Date().toISOString();
    await send("POST", `/api/v1/namespaces/${ns}/events`, {
      metadata: { name: `${name}.backoff`, namespace: ns },
      involvedObject: {
        kind: "Pod",
        apiVersion: "v1",
        name,
        namespace: ns,
        uid: pod?.metadata?.uid,
        fieldPath: "spec.containers{server}",
      },
      reason: "BackOff",
      type: "Warning",
      message: "Back-off restarting failed container server",
      source: { component: "kubelet", host: pod?.spec?.nodeName },
      count: 3,
      firstTimestamp: now,
      lastTimestamp: now,
    });
    const degraded = await eventually("Degraded PodsNotStarting for the crash loop", async () => {
      const d = condition(await models.get("watcher"), "Degraded");
      return d?.status === "True" && d.reason === "PodsNotStarting" ? d : undefined;
    });
    expect(degraded.message).toBe(
      `jetson-orin: 1 runtime pod(s) cannot start; pod ${name}: CrashLoopBackOff: container server: back-off 40s restarting failed container=server pod=${name}_${ns}; last exit code 1 (Error): see its log: kubectl logs -n ${ns} ${name} -c server --previous`,
    );
    expect(condition(await models.get("watcher"), "Ready")).toMatchObject({ status: "False", reason: "PodsNotStarting" });

    await setStatus(true);
    await eventually("Ready once the runtime is ready again", async () => {
      const m = await models.get("watcher");
      return condition(m, "Ready")?.status === "True" && condition(m, "Degraded")?.reason === "AllClassesPlaced" ? true : undefined;
    });
  });
});
