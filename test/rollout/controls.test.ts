import { readFile } from "node:fs/promises";
import { canaryNodes } from "@edgefleet/operator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { eventually, testCluster } from "../helpers/kube.js";
import { condition } from "../operator/edgemodels.js";
import { rawRequest } from "../operator/raw-api.js";
import { annotate, canaries, NODES_PER_CLASS, phase, type RolloutSuite, rolloutSpec, startRolloutSuite, workloads } from "./fixture.js";

const { kc, core } = testCluster();
let suite: RolloutSuite;
const ACTION = "edgefleet.io/rollout-action";
// Long enough that nothing moves unless a test moves it.
const HOLD = { steps: [25, 50, 100], pauseSeconds: 3600 };

beforeAll(async () => {
  suite = await startRolloutSuite({ kc, core, name: "controls", prometheus: "real" });
});

afterAll(async () => {
  await suite?.dispose();
});

const onVersion = (name: string, version: string) =>
  eventually(`${name}: every node on ${version}`, async () => {
    const w = await workloads(suite.models, name);
    const want = [`rollout-a stable ${version} ready=${NODES_PER_CLASS}`, `rollout-b stable ${version} ready=${NODES_PER_CLASS}`];
    return w.join() === want.join() ? w : undefined;
  });

async function reasons(name: string): Promise<string[]> {
  const res = await rawRequest(kc, { method: "GET", path: `/apis/events.k8s.io/v1/namespaces/${suite.ns}/events` });
  return ((res.body.items ?? []) as { reason: string; regarding: { name: string } }[])
    .filter((e) => e.regarding.name === name)
    .map((e) => e.reason);
}

describe("the documented example", () => {
  it("packages/operator/examples/rollout.yaml is accepted by the API server as it is", async () => {
    const example = parse(await readFile(new URL("../../packages/operator/examples/rollout.yaml", import.meta.url), "utf8"));
    const res = await rawRequest(kc, {
      method: "POST",
      path: `/apis/edgefleet.io/v1alpha1/namespaces/${suite.ns}/edgemodels?dryRun=All`,
      body: { ...example, metadata: { ...example.metadata, namespace: suite.ns } },
    });
    expect(res.status, res.body.message).toBe(201);
  });
});

describe("manual rollout controls", () => {
  it("pauses and unpauses with spec.rollout.paused, and promotes at once on the promote annotation", async () => {
    await suite.models.create("manual", rolloutSpec(suite.profile, { rollout: HOLD }));
    await phase(suite.models, "manual", "Promoted");
    await suite.models.patchSpec("manual", { version: "2.0" });
    await eventually("one canary node per class", async () => {
      const c = await canaries(suite.models, "manual");
      return c["rollout-a"]?.length === 1 && c["rollout-b"]?.length === 1 ? c : undefined;
    });

    await suite.models.patchSpec("manual", { rollout: { ...HOLD, paused: true } });
    const paused = await phase(suite.models, "manual", "Paused");
    expect(condition(paused, "Progressing")).toMatchObject({ status: "True", reason: "RolloutPaused" });
    expect(paused.status?.rollout).toMatchObject({
      step: 0,
      percent: 25,
      classes: [
        { hardwareClass: "rollout-a", updated: 1, nodes: NODES_PER_CLASS },
        { hardwareClass: "rollout-b", updated: 1, nodes: NODES_PER_CLASS },
      ],
    });
    expect(paused.status).toMatchObject({ stableVersion: "1.0", canaryVersion: "2.0" });
    await suite.models.patchSpec("manual", { rollout: { ...HOLD, paused: false } });
    await phase(suite.models, "manual", "Progressing");

    await annotate(kc, suite.ns, "manual", { [ACTION]: "promote" });
    const promoted = await phase(suite.models, "manual", "Promoted");
    expect(promoted.status).toMatchObject({ stableVersion: "2.0" });
    expect(promoted.status?.rollout?.reason).toContain("promoted by the promote annotation at step 0 (25%)");
    await eventually("the promote annotation removed", async () =>
      (await suite.models.get("manual"))?.metadata.annotations?.[ACTION] ? undefined : true,
    );
    await onVersion("manual", "2.0");
  });

  it("aborts back to the stable version on the abort annotation, and retries on resume", async () => {
    await suite.models.patchSpec("manual", { version: "3.0" });
    await phase(suite.models, "manual", "Progressing");
    await annotate(kc, suite.ns, "manual", { [ACTION]: "abort" });
    const aborted = await phase(suite.models, "manual", "RolledBack");
    expect(aborted.status).toMatchObject({ stableVersion: "2.0" });
    expect(aborted.status?.rollout?.reason).toBe("rolled back to 2.0: aborted by the abort annotation");
    expect(condition(aborted, "Degraded")).toMatchObject({ status: "True", reason: "RolledBack" });
    await onVersion("manual", "2.0");
    await eventually("the abort annotation removed", async () =>
      (await suite.models.get("manual"))?.metadata.annotations?.[ACTION] ? undefined : true,
    );

    await annotate(kc, suite.ns, "manual", { [ACTION]: "resume" });
    const retried = await phase(suite.models, "manual", "Progressing");
    expect(retried.status?.rollout).toMatchObject({ step: 0, targetVersion: "3.0" });
    await eventually("canaries back", async () => (Object.keys(await canaries(suite.models, "manual")).length === 2 ? true : undefined));

    await annotate(kc, suite.ns, "manual", { [ACTION]: "sideways" });
    await eventually("an invalid action reported and removed", async () => {
      const m = await suite.models.get("manual");
      return !m?.metadata.annotations?.[ACTION] && (await reasons("manual")).includes("RolloutActionInvalid") ? true : undefined;
    });
    expect(await reasons("manual")).toEqual(
      expect.arrayContaining(["RolloutStarted", "RolloutPaused", "RolloutResumed", "Promoted", "RolledBack"]),
    );
  });

  it("gives a node joining mid-rollout the stable version, unless its class's share needs one more node", async () => {
    const m = await suite.models.create("joiner", rolloutSpec(suite.profile, { rollout: HOLD }));
    await phase(suite.models, "joiner", "Promoted");
    await suite.models.patchSpec("joiner", { version: "2.0" });
    const before = await eventually("one canary per class", async () => {
      const c = await canaries(suite.models, "joiner");
      return c["rollout-a"]?.length === 1 ? c : undefined;
    });
    // 4 -> 5 nodes at 25%: the step now needs 2 nodes of the class on 2.0.
    const joined = await suite.addNode("rollout-a", NODES_PER_CLASS + 1);
    const expected = canaryNodes({
      seed: m.metadata.uid ?? "",
      nodes: suite.nodes["rollout-a"] ?? [],
      previous: before["rollout-a"] ?? [],
      percent: 25,
    });
    expect(expected).toEqual(expect.arrayContaining(before["rollout-a"] ?? []));
    await eventually("the class's canaries topped up", async () => {
      const c = await canaries(suite.models, "joiner");
      return c["rollout-a"]?.join() === expected.join() ? c : undefined;
    });
    const version = await eventually(`a joiner pod on ${joined}`, async () => {
      const pods = await core.listNamespacedPod({
        namespace: suite.ns,
        labelSelector: "edgefleet.io/model=joiner",
        fieldSelector: `spec.nodeName=${joined}`,
      });
      const live = pods.items.filter((p) => !p.metadata?.deletionTimestamp);
      return live.length === 1 ? live[0]?.metadata?.labels?.["edgefleet.io/model-version"] : undefined;
    });
    expect(version).toBe(expected.includes(joined) ? "2.0" : "1.0");
    // The status follows the canaries in the next reconcile's one write: waited for, not read once.
    const want = { hardwareClass: "rollout-a", updated: 2, nodes: 5 };
    let last: unknown;
    await eventually(
      "the class's rollout status counting the joiner",
      async () => {
        const c = (await suite.models.get("joiner"))?.status?.rollout?.classes?.find((c) => c.hardwareClass === "rollout-a");
        last = c;
        return c?.updated === want.updated && c.nodes === want.nodes ? true : undefined;
      },
      20_000,
    ).catch((err: Error) => {
      throw new Error(`${err.message}: last ${JSON.stringify(last)}`);
    });
  });
});
