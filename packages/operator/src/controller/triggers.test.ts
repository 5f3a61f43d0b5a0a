import { edgeModel } from "@edgefleet/api";
import { describe, expect, it } from "vitest";
import { classNode } from "../testing/fleet.js";
import { modelChanged, nodeChanged, rolloutChanged, selects } from "./triggers.js";

describe("what enqueues a reconcile", () => {
  const model = edgeModel();
  it("a model's new generation or deletion, never its status or finalizers (our own writes)", () => {
    const statusOnly = {
      ...model,
      metadata: { ...model.metadata, finalizers: ["edgefleet.io/cleanup"] },
      status: { observedGeneration: 1 },
    };
    expect(modelChanged(model, statusOnly)).toBe(false);
    expect(modelChanged(model, { ...model, metadata: { ...model.metadata, generation: 2 } })).toBe(true);
    expect(modelChanged(model, { ...model, metadata: { ...model.metadata, deletionTimestamp: new Date() } })).toBe(true);
  });

  it("a manual rollout action set or cleared", () => {
    const annotated = { ...model, metadata: { ...model.metadata, annotations: { "edgefleet.io/rollout-action": "abort" } } };
    expect(modelChanged(model, annotated)).toBe(true);
    expect(modelChanged(annotated, model)).toBe(true);
    expect(modelChanged(annotated, { ...annotated, metadata: { ...annotated.metadata, resourceVersion: "9" } })).toBe(false);
  });

  it("a node's labels, allocatable resources or architecture, not its heartbeats", () => {
    const node = classNode("jetson-orin", 1);
    const heartbeat = { ...node, metadata: { ...node.metadata, resourceVersion: "2" } };
    expect(nodeChanged(node, heartbeat)).toBe(false);
    expect(nodeChanged(node, classNode("jetson-orin", 1, { labels: { "edgefleet.io/hardware-class": "lab" } }))).toBe(true);
    expect(nodeChanged(node, classNode("jetson-orin", 1, { allocatable: { "nvidia.com/gpu": "0" } }))).toBe(true);
  });

  it("replans only the models whose nodeSelector picks the node", () => {
    const node = classNode("x86-cpu", 1);
    expect(selects(model, node)).toBe(true);
    expect(selects(edgeModel({ placement: { nodeSelector: { "edgefleet.io/hardware-class": "x86-cpu" } } }), node)).toBe(true);
    expect(selects(edgeModel({ placement: { nodeSelector: { "edgefleet.io/hardware-class": "intel-nuc" } } }), node)).toBe(false);
  });

  it("a DaemonSet's rollout counters, not its metadata", () => {
    const ds = {
      metadata: { name: "a", resourceVersion: "1" },
      status: { currentNumberScheduled: 0, desiredNumberScheduled: 5, numberMisscheduled: 0, numberReady: 2 },
    };
    expect(rolloutChanged(ds, { ...ds, metadata: { name: "a", resourceVersion: "2" } })).toBe(false);
    expect(rolloutChanged(ds, { ...ds, status: { ...ds.status, numberReady: 3 } })).toBe(true);
  });
});
