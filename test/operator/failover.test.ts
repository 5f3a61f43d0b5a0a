import type { EdgeModel } from "@edgefleet/api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, testCluster } from "../helpers/kube.js";
import { converged, EdgeModels } from "./edgemodels.js";
import { installApi } from "./install.js";
import { LEADERSHIP_LOST, type OperatorProcess, SuiteOperators } from "./operator-process.js";
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

/**
 * The running operator that leads now. Not always the one a test started first: on a loaded
 * 2-core machine a leader can miss its renew deadline, exit 1 and be started again as a standby
 * (SuiteOperators does what its Deployment would), so tests kill whoever leads.
 */
async function leader(): Promise<OperatorProcess> {
  return eventually("a running operator leads", async () => {
    const identity = await holder();
    return operators.running().find((o) => o.identity === identity && o.logs.some((l) => l.msg === "controller started"));
  });
}

/** Milliseconds from now until the Lease names another identity than the one it named (polled every 250 ms). */
async function timeUntilTakenFrom(previous: OperatorProcess): Promise<number> {
  const started = performance.now();
  await eventually(
    `another operator than ${previous.identity} holds the lease`,
    async () => {
      const now = await holder();
      return now && now !== previous.identity ? true : undefined;
    },
    20_000,
  );
  return performance.now() - started;
}

/** One leader at a time: an operator became leader only after the one before it said it lost the lease. */
function expectOneLeaderAtATime(): void {
  const became = operators.all
    .flatMap((o) => o.logs.filter((l) => l.msg === "became leader").map((l) => ({ o, ts: l.ts })))
    .sort((x, y) => x.ts.localeCompare(y.ts));
  for (const [i, next] of became.entries()) {
    const before = became[i - 1];
    if (!before) continue;
    const lost = before.o.logs.find((l) => l.msg === LEADERSHIP_LOST);
    expect(lost && lost.ts <= next.ts, `${next.o.identity} became leader at ${next.ts} while ${before.o.identity} led`).toBe(true);
  }
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
    expectOneLeaderAtATime();

    const killed = await leader();
    killed.kill("SIGKILL");
    const failoverMs = await timeUntilTakenFrom(killed);
    console.log(`failover after SIGKILL of ${killed.identity}: lease taken over in ${failoverMs.toFixed(0)} ms`);
    expect(failoverMs).toBeLessThan(5000);

    await models.patchSpec("m0", { placement: X86_ONLY });
    await models.patchSpec("m1", { placement: X86_ONLY });
    await models.delete("m2");
    await models.create("m10", { placement: PLACEMENT });
    await expectConverged();
    expect((await models.get("m2")) === undefined).toBe(true);
  });

  it("an operator SIGKILLed mid-work and restarted converges with no duplicates or orphans", async () => {
    for (let i = 11; i < 31; i++) await models.create(`m${i}`, { placement: i % 2 ? X86_ONLY : PLACEMENT });
    const running = operators.running();
    for (const o of running) o.kill("SIGKILL");
    await Promise.all(running.map((o) => o.exited));
    // While no operator runs: a spec change, and deletions the garbage collector cleans up after.
    await models.patchSpec("m3", { placement: X86_ONLY });
    await models.delete("m4");
    await models.delete("m12");
    start("op-c");
    await leader();
    await expectConverged();
    expect((await models.list()).map((m) => m.metadata.name)).not.toContain("m4");
  });

  it("hands the lease over at once on graceful shutdown", async () => {
    const d = start("op-d");
    await eventually("op-d's caches warm", async () => ((await d.get("/readyz")).status === 200 ? true : undefined));
    const stopped = await leader();
    stopped.kill("SIGTERM");
    const handoverMs = await timeUntilTakenFrom(stopped);
    console.log(`handover after SIGTERM of ${stopped.identity}: lease taken over in ${handoverMs.toFixed(0)} ms`);
    const problems = stopped.logs.filter((l) => l.level !== "info" && l.level !== "debug");
    expect(await stopped.exited, `${stopped.identity}'s warnings and errors: ${JSON.stringify(problems)}`).toBe(0);
    expect(handoverMs).toBeLessThan(2000);
    await models.patchSpec("m5", { placement: X86_ONLY });
    await expectConverged();
  });
});
