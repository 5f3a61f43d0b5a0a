import { DEFAULT_RUNTIMES, edgeModel } from "@edgefleet/api";
import { describe, expect, it } from "vitest";
import { namedNodes } from "../planner/daemonset.js";
import { plan } from "../planner/plan.js";
import { classNode } from "../testing/fleet.js";
import { atRevision, revisionOfSpec, revisionOfWorkload } from "./revisions.js";
import { desiredWorkloads } from "./workloads.js";

const nodes = [1, 2, 3, 4].map((i) => classNode("x86-cpu", i));
const target = edgeModel({ version: "2.0" });
const stable = atRevision(target, { name: "r1", data: { version: "1.0", variants: target.spec.variants } });
const planOf = (model = target) => plan({ model, runtimes: DEFAULT_RUNTIMES, nodes });

function layout(percent: number, previous: readonly string[] | "all" = []) {
  return desiredWorkloads({
    stable: { model: stable, plan: planOf(stable) },
    canary: { model: target, plan: planOf(), percent },
    previousCanaries: () => previous,
  });
}

const summary = (w: ReturnType<typeof layout>) =>
  w.daemonSets.map((d) => {
    const terms = d.spec?.template.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
    const excluded = terms?.[0]?.matchFields?.filter((f) => f.operator === "NotIn").flatMap((f) => f.values ?? []);
    return {
      name: d.metadata?.name,
      version: d.spec?.template.metadata?.labels?.["edgefleet.io/model-version"],
      in: namedNodes(d),
      notIn: excluded?.length ? excluded : undefined,
    };
  });

describe("desiredWorkloads in a rollout", () => {
  it("splits a class between a stable and a canary DaemonSet on disjoint nodes", () => {
    const w = layout(25);
    const [stableDs, canaryDs] = summary(w);
    expect(canaryDs).toMatchObject({ name: "detector-x86-cpu-canary", version: "2.0" });
    expect(canaryDs?.in).toHaveLength(1);
    expect(stableDs).toEqual({ name: "detector-x86-cpu", version: "1.0", in: undefined, notIn: canaryDs?.in });
    expect(w.progress).toEqual([{ hardwareClass: "x86-cpu", updated: 1, nodes: 4 }]);
    expect(w.daemonSets.map((d) => d.spec?.selector.matchLabels?.["edgefleet.io/track"])).toEqual(["stable", "canary"]);
    // Each node once, on the version its DaemonSet runs: what rollout analysis counts samples from.
    expect(w.assignments).toEqual(
      nodes
        .map((n) => n.metadata?.name ?? "")
        .sort()
        .map((node) =>
          canaryDs?.in?.includes(node) ? { node, track: "canary", version: "2.0" } : { node, track: "stable", version: "1.0" },
        ),
    );
  });

  it("at 100% runs only the canary, on every node of the class including joiners", () => {
    expect(summary(layout(100, "all"))).toEqual([{ name: "detector-x86-cpu-canary", version: "2.0", in: undefined, notIn: undefined }]);
  });

  it("outside a rollout runs only the stable DaemonSet and reports no progress", () => {
    const w = desiredWorkloads({ stable: { model: target, plan: planOf() }, previousCanaries: () => [] });
    expect(summary(w)).toEqual([{ name: "detector-x86-cpu", version: "2.0", in: undefined, notIn: undefined }]);
    expect(w.progress).toEqual([]);
    expect(w.assignments.map((a) => `${a.track} ${a.version}`)).toEqual(Array(4).fill("stable 2.0"));
  });
});

describe("revisionOfSpec", () => {
  it("names a revision by its content: same version and variants, same name", () => {
    expect(revisionOfSpec(edgeModel({ version: "2.0" })).name).toBe(revisionOfSpec(edgeModel({ version: "2.0" })).name);
    expect(revisionOfSpec(edgeModel({ version: "2.0" })).name).not.toBe(revisionOfSpec(edgeModel({ version: "2.1" })).name);
    expect(revisionOfSpec(edgeModel({ version: "2.0" })).name).toMatch(/^detector-rev-[0-9a-f]{10}$/);
  });
});

describe("the revision snapshot on workloads", () => {
  it("names the revision each track runs, so a first rollout finds its stable one without a ControllerRevision", () => {
    const [stableDs, canaryDs] = layout(25).daemonSets;
    expect(stableDs && revisionOfWorkload("detector", stableDs)).toEqual(revisionOfSpec(stable));
    expect(canaryDs && revisionOfWorkload("detector", canaryDs)).toEqual(revisionOfSpec(target));
  });

  it("reads nothing from a workload without the annotation or with an unreadable one", () => {
    const [ds] = layout(0).daemonSets;
    const annotated = (value?: string) => ({
      ...ds,
      metadata: { ...ds?.metadata, annotations: value === undefined ? {} : { "edgefleet.io/revision": value } },
    });
    expect(revisionOfWorkload("detector", annotated())).toBeUndefined();
    expect(revisionOfWorkload("detector", annotated("{not json"))).toBeUndefined();
    expect(revisionOfWorkload("detector", annotated('{"version":"1.0"}'))).toBeUndefined();
  });
});
