import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, testCluster } from "../helpers/kube.js";
import { condition, converged, type EdgeModels } from "./edgemodels.js";
import type { OperatorProcess } from "./operator-process.js";
import { rawRequest } from "./raw-api.js";
import { startOperatorSuite } from "./suite.js";

const { kc, core } = testCluster();
let ns: string;
let models: EdgeModels;
let operator: OperatorProcess;

beforeAll(async () => {
  ({ ns, models, operator } = await startOperatorSuite({ kc, core, name: "upgrade" }));
});

afterAll(async () => {
  await operator?.stop();
  if (ns) await core.deleteNamespace({ name: ns });
});

describe("upgrading from an operator whose DaemonSets had other selectors", () => {
  it("replaces a child whose immutable selector changed instead of failing on it", async () => {
    // What an older operator left: the model's x86-cpu DaemonSet, selected without the track label.
    const selector = { "edgefleet.io/model": "legacy", "edgefleet.io/hardware-class": "x86-cpu" };
    const old = {
      apiVersion: "apps/v1",
      kind: "DaemonSet",
      metadata: { name: "legacy-x86-cpu", namespace: ns, labels: { ...selector, "app.kubernetes.io/managed-by": "edgefleet-operator" } },
      spec: {
        selector: { matchLabels: selector },
        template: {
          metadata: { labels: selector },
          spec: { nodeSelector: { "edgefleet.io/hardware-class": "x86-cpu" }, containers: [{ name: "runtime", image: "old" }] },
        },
      },
    };
    const created = await rawRequest(kc, { method: "POST", path: `/apis/apps/v1/namespaces/${ns}/daemonsets`, body: old });
    expect(created.status).toBe(201);
    const oldUid = (created.body.metadata as { uid: string }).uid;

    await models.create("legacy", { placement: { nodeSelector: { "edgefleet.io/hardware-class": "x86-cpu" } } });
    const ready = await eventually("legacy Ready", async () => {
      const m = await models.get("legacy");
      return converged(m) && condition(m, "Ready")?.status === "True" ? m : undefined;
    });
    expect(condition(ready, "Ready")?.reason).not.toBe("WorkloadInvalid");
    const [ds] = (await models.daemonSets()).filter((d) => d.metadata?.name === "legacy-x86-cpu");
    expect(ds?.metadata?.uid).not.toBe(oldUid);
    expect(ds?.spec?.selector.matchLabels?.["edgefleet.io/track"]).toBe("stable");
  });
});
