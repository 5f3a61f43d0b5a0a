import { edgeModel } from "@edgefleet/api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, testCluster } from "../helpers/kube.js";
import { condition, converged, EdgeModels } from "./edgemodels.js";
import { GROUP_PATH, installApi } from "./install.js";
import { counter, writes } from "./operator-metrics.js";
import { SuiteOperators } from "./operator-process.js";
import { rawRequest } from "./raw-api.js";
import { operatorNamespace } from "./service-account.js";

const { kc, core } = testCluster();
const MODELS = 8;
// CPU only: each accelerator is one model's at a time, and the models must all be Ready. Other
// suites add nodes of their own; one node keeps the pod count small.
const PLACEMENT = {
  nodeSelector: { "edgefleet.io/fleet-profile": "default", "edgefleet.io/hardware-class": "x86-cpu" },
  maxNodesPerClass: 1,
};
const LEGACY_FINALIZER = "edgefleet.io/cleanup";

let ns: string;
let kubeconfig: string;
let models: EdgeModels;
const operators = new SuiteOperators(() => ({ kubeconfig, namespace: ns }));
const start = (identity: string) => operators.start(identity);

async function createWithFinalizer(name: string): Promise<void> {
  const model = { ...edgeModel({ placement: PLACEMENT }, name), metadata: { name, namespace: ns, finalizers: [LEGACY_FINALIZER] } };
  const res = await rawRequest(kc, { method: "POST", path: `${GROUP_PATH}/namespaces/${ns}/edgemodels`, body: model });
  expect(res.status).toBe(201);
}

beforeAll(async () => {
  await installApi(kc);
  ({ ns, kubeconfig } = await operatorNamespace(kc, core, "op-writes"));
  models = new EdgeModels(kc, ns);
});

afterAll(async () => {
  await operators.stop();
  if (ns) await core.deleteNamespace({ name: ns });
});

describe("the operator's writes", () => {
  it("converges without a finalizer or ControllerRevisions, and a restart over the converged fleet writes nothing", async () => {
    const a = start("writes-a");
    await a.waitForLog("controller started");
    for (let i = 0; i < MODELS; i++) await models.create(`m${i}`, { placement: PLACEMENT });
    // Settled: every placed pod ready, so nothing the status reports moves while no operator runs.
    let last = "";
    await eventually(
      "every model Ready with all its pods",
      async () => {
        const all = await models.list();
        const behind = all.filter(
          (m) => !converged(m) || condition(m, "Ready")?.status !== "True" || m.status?.placements?.some((p) => p.ready !== p.nodes),
        );
        last = behind
          .map((m) => `${m.metadata.name}: ${JSON.stringify(condition(m, "Ready"))} ${JSON.stringify(m.status?.placements)}`)
          .join("; ");
        return all.length === MODELS && behind.length === 0 ? all : undefined;
      },
      90_000,
    ).catch((err: Error) => {
      throw new Error(`${err.message}: ${last}`);
    });
    for (const m of await models.list()) expect(m.metadata.finalizers ?? []).toEqual([]);
    // The DaemonSet controller keeps ControllerRevisions of its own; the operator's are labelled.
    const revisions = await rawRequest(kc, {
      method: "GET",
      path: `/apis/apps/v1/namespaces/${ns}/controllerrevisions?labelSelector=edgefleet.io%2Frevision-of`,
    });
    expect(revisions.body.items).toEqual([]);

    // The newest writes-a: a leader that missed its renew deadline on a loaded machine was started again.
    const leader = operators.find("writes-a");
    leader.kill("SIGTERM");
    expect(await leader.exited).toBe(0);
    await start("writes-b").waitForLog("controller started", { timeoutMs: 20_000 });
    // Each look asks the newest writes-b: a restarted one writes nothing over the converged fleet either.
    const b = () => operators.find("writes-b");
    await eventually("every model reconciled once", async () =>
      (await counter(b(), "edgefleet_reconcile_outcomes_total", /./)) >= MODELS &&
      (await counter(b(), "workqueue_depth", /controller="edgemodel"/)) === 0
        ? true
        : undefined,
    );
    // Anything a reconcile sends leaves before it counts as done; a second look catches late Events.
    await new Promise((r) => setTimeout(r, 1000));
    expect(await writes(b())).toEqual({ POST: 0, PATCH: 0, DELETE: 0 });
    expect(await counter(b(), "edgefleet_reconcile_outcomes_total", /outcome="unchanged"/)).toBeGreaterThanOrEqual(MODELS);
  });

  it("an EdgeModel deleted while no operator runs goes at once, and its DaemonSets after it", async () => {
    const b = operators.find("writes-b");
    b.kill("SIGKILL");
    await b.exited;
    const children = (await models.daemonSets()).filter((d) => d.metadata?.labels?.["edgefleet.io/model"] === "m0");
    expect(children.length).toBeGreaterThan(0);
    await models.delete("m0");
    await eventually("m0 gone", async () => ((await models.get("m0")) === undefined ? true : undefined), 10_000);
    await eventually("m0's DaemonSets garbage-collected", async () => {
      const left = (await models.daemonSets()).filter((d) => d.metadata?.labels?.["edgefleet.io/model"] === "m0");
      return left.length === 0 ? true : undefined;
    });
  });

  it("takes the finalizer earlier operators held off every model, letting those being deleted go", async () => {
    await createWithFinalizer("legacy-live");
    await createWithFinalizer("legacy-deleted");
    await models.delete("legacy-deleted");
    expect((await models.get("legacy-deleted"))?.metadata.deletionTimestamp).toBeDefined();

    const c = start("writes-c");
    await c.waitForLog("controller started", { timeoutMs: 20_000 });
    await eventually("legacy-deleted gone", async () => ((await models.get("legacy-deleted")) === undefined ? true : undefined));
    const live = await eventually("legacy-live converged", async () => {
      const m = await models.get("legacy-live");
      return converged(m) ? m : undefined;
    });
    expect(live.metadata.finalizers ?? []).toEqual([]);
  });
});
