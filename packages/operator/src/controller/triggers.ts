import type { EdgeModel } from "@edgefleet/api";
import type { V1DaemonSet, V1Node } from "@kubernetes/client-node";
import { ACTION_ANNOTATION } from "../rollout/vocabulary.js";
import { stableJson } from "./stable-json.js";

/*
 * Which cache changes are worth a reconcile. The operator's own writes (finalizers, status,
 * applies) come back as watch events too; reacting to them would double the API traffic, so
 * only changes that alter the desired state or the observed rollout count.
 */

/** A new spec (generation), a deletion starting, or a manual rollout action. Status and other metadata writes are ours. */
export function modelChanged(before: EdgeModel, after: EdgeModel): boolean {
  return (
    before.metadata.generation !== after.metadata.generation ||
    !!after.metadata.deletionTimestamp !== !!before.metadata.deletionTimestamp ||
    before.metadata.annotations?.[ACTION_ANNOTATION] !== after.metadata.annotations?.[ACTION_ANNOTATION]
  );
}

/** What the planner reads of a node changed: its labels, taints, allocatable resources, architecture or deletion. */
export function nodeChanged(before: V1Node, after: V1Node): boolean {
  return (
    stableJson(before.metadata?.labels) !== stableJson(after.metadata?.labels) ||
    stableJson(before.spec?.taints) !== stableJson(after.spec?.taints) ||
    stableJson(before.status?.allocatable) !== stableJson(after.status?.allocatable) ||
    before.status?.nodeInfo?.architecture !== after.status?.nodeInfo?.architecture ||
    !!before.metadata?.deletionTimestamp !== !!after.metadata?.deletionTimestamp
  );
}

/** Whether the model's nodeSelector picks the node: only those models need a replan when it changes. */
export function selects(model: EdgeModel, node: V1Node): boolean {
  const labels = node.metadata?.labels ?? {};
  return Object.entries(model.spec.placement?.nodeSelector ?? {}).every(([k, v]) => labels[k] === v);
}

/** The rollout counters the status reports changed: the DaemonSet controller made progress. */
export function rolloutChanged(before: V1DaemonSet, after: V1DaemonSet): boolean {
  const counters = (ds: V1DaemonSet) => {
    const s = ds.status;
    return [s?.observedGeneration, s?.desiredNumberScheduled, s?.numberReady, s?.updatedNumberScheduled].join();
  };
  return counters(before) !== counters(after);
}
