import type { EdgeModel } from "@edgefleet/api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, testCluster } from "../helpers/kube.js";
import { converged, EdgeModels } from "./edgemodels.js";
import { installApi } from "./install.js";
import { SuiteOperators } from "./operator-process.js";
import { rawRequest } from "./raw-api.js";
import { operatorNamespace } from "./service-account.js";

const { kc, core } = testCluster();
const CLASSES = ["intel-nuc", "jetson-orin", "rpi5-coral", "x86-cpu"];
// One node per class keeps the pod count (and the shared cluster's load) small.
const PLACEMENT = { nodeSelector: { "edgefleet.io/fleet-profile": "default" }, maxNodesPerClass: 1 };
const X86_ONLY = { ...PLACEMENT, nodeSelector: { ...PLACEMENT.nodeSelector, "edgefleet.io/hardware-class": "x86-cpu" } };

let ns: string;
let kubeconfig: string;
let models: EdgeModels;
const operators = new SuiteOperators(() => ({ kubeconfig, namespace: ns }));
const start = (identity: string) => operators.start(identity);

async function holder(): Promise<string | undefined> {
  const res = await rawRequest(kc, { method: "GET", path: `/apis/coordination.k8s.io/v1/namespaces/${ns}/leases/edgefleet-operator` });
  return (res.body.spec as { holderIdentity?: string } | undefined)?.holderIdentity;
}

/** Milliseconds from now until the Lease names the identity, polled every 50 ms. */
async function timeUntilHolder(identity: string): Promise<number> {
  const started = performance.now();
  await eventually(`${identity} holds the lease`, async () => ((await holder()) === identity ? true : undefined), 20_000);
  return performance.now() - started;
}

function expectedChildren(m: EdgeModel): string[] {
  const only = m.spec.placement?.nodeSelector?.["edgefleet.io/hardware-class"];
  return (only ? [only] : CLASSES).map((c) => `${m.metadata.name}-${c}`);
}

/**
 * Every model converged, and the DaemonSets are exactly the ones the models ask for: none
 * missing, none twice, none left over from a deleted model or an old plan, each owned by its model.
 */
async function expectConverged(): Promise<void> {
  let last = "";
  await eventually(
    "every model converged with exactly its DaemonSets",
    async () => {
      const all = await models.list();
      const want = all.flatMap(expectedChildren).sort();
      const have = (await models.daemonSets()).map((d) => d.metadata?.name ?? "").sort();
      const behind = all.filter((m) => !converged(m)).map((m) => m.metadata.name);
      last = `not converged: ${behind.join()}; missing: ${want.filter((n) => !have.includes(n)).join()}; extra: ${have.filter((n) => !want.includes(n)).join()}`;
      return behind.length === 0 && JSON.stringify(want) === JSON.stringify(have) ? true : undefined;
    },
    90_000,
  ).catch((err: Error) => {
    throw new Error(`${err.message}: ${last}; operators: ${operators.describe()}`);
  });
  const uids = new Map((await models.list()).map((m) => [m.metadata.name, m.metadata.uid]));
  for (const ds of await models.daemonSets()) {
    const owner = ds.metadata?.ownerReferences?.[0];
    expect(owner && uids.get(owner.name)).toBe(owner?.uid);
  }
}

beforeAll(async () => {
  await installApi(kc);
  ({ ns, kubeconfig } = await operatorNamespace(kc, core, "op-failover"));
  models = new EdgeModels(kc, ns);
});

afterAll(async () => {
  const running = operators.all.find((o) => o.logs.some((l) => l.msg === "became leader") && o.logs.every((l) => l.msg !== "stopped"));
  if (running && models) {
    for (const m of await models.list()) await models.delete(m.metadata.name ?? "");
    await eventually("models finalized", async () => ((await models.list()).length === 0 ? true : undefined)).catch(() => {});
  }
  await operators.stop();
  if (ns) await core.deleteNamespace({ name: ns });
});

describe("operator failover", () => {
  it("a standby takes over within 5 s of the leader's SIGKILL and converges what changed meanwhile", async () => {
    const a = start("op-a");
    await a.waitForLog("controller started");
    const b = start("op-b");
    await eventually("op-b's caches warm", async () => ((await b.get("/readyz")).status === 200 ? true : undefined));
    for (let i = 0; i < 10; i++) await models.create(`m${i}`, { placement: PLACEMENT });
    await expectConverged();
    expect(b.logs.some((l) => l.msg === "became leader")).toBe(false);

    a.kill("SIGKILL");
    const failoverMs = await timeUntilHolder("op-b");
    console.log(`failover after SIGKILL: lease taken over in ${failoverMs.toFixed(0)} ms`);
    expect(failoverMs).toBeLessThan(5000);

    await models.patchSpec("m0", { placement: X86_ONLY });
    await models.patchSpec("m1", { placement: X86_ONLY });
    await models.delete("m2");
    await models.create("m10", { placement: PLACEMENT });
    await expectConverged();
    expect((await models.get("m2")) === undefined).toBe(true);
  });

  it("an operator SIGKILLed mid-work and restarted converges with no duplicates or orphans", async () => {
    const b = operators.find("op-b");
    for (let i = 11; i < 31; i++) await models.create(`m${i}`, { placement: i % 2 ? X86_ONLY : PLACEMENT });
    b?.kill("SIGKILL");
    // While no operator runs: a spec change, and deletions the garbage collector cleans up after.
    await models.patchSpec("m3", { placement: X86_ONLY });
    await models.delete("m4");
    await models.delete("m12");
    const c = start("op-c");
    await c.waitForLog("controller started", { timeoutMs: 20_000 });
    await expectConverged();
    expect((await models.list()).map((m) => m.metadata.name)).not.toContain("m4");
  });

  it("hands the lease over at once on graceful shutdown", async () => {
    const c = operators.find("op-c");
    const d = start("op-d");
    await eventually("op-d's caches warm", async () => ((await d.get("/readyz")).status === 200 ? true : undefined));
    c?.kill("SIGTERM");
    const handoverMs = await timeUntilHolder("op-d");
    console.log(`handover after SIGTERM: lease taken over in ${handoverMs.toFixed(0)} ms`);
    const problems = c?.logs.filter((l) => l.level !== "info" && l.level !== "debug");
    expect(await c?.exited, `op-c's warnings and errors: ${JSON.stringify(problems)}`).toBe(0);
    expect(handoverMs).toBeLessThan(2000);
    await models.patchSpec("m5", { placement: X86_ONLY });
    await expectConverged();
  });
});
