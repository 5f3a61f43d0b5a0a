import { describe, expect, it } from "vitest";
import { untoleratedTaints } from "./taints.js";

const gpu = { key: "nvidia.com/gpu", value: "present", effect: "NoSchedule" };
const build = { key: "edgefleet.io/build-node", value: "edgefleet-demo", effect: "NoExecute" };

describe("untoleratedTaints", () => {
  it("keeps a pod off NoSchedule and NoExecute taints it does not tolerate, not off PreferNoSchedule", () => {
    expect(untoleratedTaints([gpu, build, { key: "soft", effect: "PreferNoSchedule" }], [])).toEqual([gpu, build]);
  });

  it("matches as the scheduler does: Equal needs the value, Exists any value, no key with Exists every taint", () => {
    expect(untoleratedTaints([gpu], [{ key: "nvidia.com/gpu", value: "present" }])).toEqual([]);
    expect(untoleratedTaints([gpu], [{ key: "nvidia.com/gpu", value: "absent" }])).toEqual([gpu]);
    expect(untoleratedTaints([gpu], [{ key: "nvidia.com/gpu", operator: "Exists" }])).toEqual([]);
    expect(untoleratedTaints([gpu], [{ key: "nvidia.com/gpu", operator: "Exists", effect: "NoExecute" }])).toEqual([gpu]);
    expect(untoleratedTaints([gpu, build], [{ operator: "Exists" }])).toEqual([]);
  });

  it("ignores the node conditions the DaemonSet controller tolerates by itself", () => {
    expect(untoleratedTaints([{ key: "node.kubernetes.io/not-ready", effect: "NoExecute" }], [])).toEqual([]);
    expect(untoleratedTaints([{ key: "node.kubernetes.io/unschedulable", effect: "NoSchedule" }], [])).toEqual([]);
  });
});
