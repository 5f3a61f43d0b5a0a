import type { EdgeModel, EdgeRuntime, ModelTrustPolicy } from "@edgefleet/api";
import type { KubeObject } from "@edgefleet/kube";
import type { V1DaemonSet, V1Node, V1ObjectMeta } from "@kubernetes/client-node";
import { ACTION_ANNOTATION, ROLLOUT_LABELS } from "../rollout/vocabulary.js";

/*
 * What the caches keep of each object. At 10,000 EdgeModels and their DaemonSets, full objects
 * (managedFields, kubectl's last-applied annotation, pod templates the operator re-renders
 * anyway) would cost several hundred MiB; these keep what planning and status need.
 */

/** Annotation on children: hash of the spec the operator last applied, to skip no-op applies. */
export const SPEC_HASH_ANNOTATION = "edgefleet.io/spec-hash";

function meta(m: V1ObjectMeta, annotations?: Record<string, string>): V1ObjectMeta {
  const { managedFields: _m, annotations: _a, ...rest } = m;
  return annotations && Object.keys(annotations).length ? { ...rest, annotations } : rest;
}

export type CachedNode = V1Node & KubeObject;
export type CachedDaemonSet = V1DaemonSet & KubeObject;

/** Metadata without the keys whose value is undefined (exactOptionalPropertyTypes forbids them). */
export function defined(fields: Record<string, unknown>): V1ObjectMeta {
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)) as V1ObjectMeta;
}

/** Keeps the rollout-action annotation: a manual rollout action is news the controller must see. */
export function slimModel(raw: KubeObject): EdgeModel {
  const model = raw as EdgeModel;
  const action = model.metadata.annotations?.[ACTION_ANNOTATION];
  return { ...model, metadata: meta(model.metadata, action === undefined ? undefined : { [ACTION_ANNOTATION]: action }) };
}

export function slimRuntime(raw: KubeObject): EdgeRuntime {
  const runtime = raw as EdgeRuntime;
  return { ...runtime, metadata: meta(runtime.metadata) };
}

export function slimTrustPolicy(raw: KubeObject): ModelTrustPolicy {
  const policy = raw as ModelTrustPolicy;
  return { ...policy, metadata: meta(policy.metadata) };
}

/** A Node as the planner reads it: name, labels, allocatable resources and architecture. */
export function slimNode(raw: KubeObject): CachedNode {
  const node = raw as V1Node;
  const { name, resourceVersion, labels, deletionTimestamp } = node.metadata ?? {};
  return {
    metadata: defined({ name, resourceVersion, labels, deletionTimestamp }),
    ...(node.spec?.taints?.length ? { spec: { taints: node.spec.taints } } : {}),
    status: {
      ...(node.status?.allocatable ? { allocatable: node.status.allocatable } : {}),
      ...(node.status?.nodeInfo ? { nodeInfo: node.status.nodeInfo } : {}),
    },
  };
}

/**
 * Who wrote the object other than through its status: each managedFields entry's manager and
 * operation, without the field sets. An operator that just started has not applied anything yet;
 * an object only its own field manager wrote still holds what its last apply sent.
 */
function writers(m: V1ObjectMeta): V1ObjectMeta["managedFields"] {
  const entries = (m.managedFields ?? []).filter((f) => f.subresource !== "status");
  return entries.map(({ manager, operation }) => defined({ manager, operation }) as { manager?: string; operation?: string });
}

/**
 * A child DaemonSet: identity, labels, the applied-spec hash, its writers and rollout counters,
 * and for a canary the node affinity that names its nodes (the rollout's record of which nodes
 * run the new version, so it survives an operator restart).
 */
export function slimDaemonSet(raw: KubeObject): CachedDaemonSet {
  const ds = raw as V1DaemonSet;
  const m = ds.metadata ?? {};
  const hash = m.annotations?.[SPEC_HASH_ANNOTATION];
  const s = ds.status;
  const affinity = m.labels?.[ROLLOUT_LABELS.track] === "canary" ? ds.spec?.template.spec?.affinity : undefined;
  return {
    ...(ds.spec && affinity ? { spec: { selector: ds.spec.selector, template: { spec: { affinity, containers: [] } } } } : {}),
    metadata: defined({
      name: m.name,
      namespace: m.namespace,
      uid: m.uid,
      resourceVersion: m.resourceVersion,
      generation: m.generation,
      labels: m.labels,
      annotations: hash ? { [SPEC_HASH_ANNOTATION]: hash } : undefined,
      ownerReferences: m.ownerReferences,
      deletionTimestamp: m.deletionTimestamp,
      managedFields: writers(m),
    }),
    status: {
      currentNumberScheduled: s?.currentNumberScheduled ?? 0,
      desiredNumberScheduled: s?.desiredNumberScheduled ?? 0,
      numberMisscheduled: s?.numberMisscheduled ?? 0,
      numberReady: s?.numberReady ?? 0,
      ...(s?.observedGeneration !== undefined ? { observedGeneration: s.observedGeneration } : {}),
      ...(s?.updatedNumberScheduled !== undefined ? { updatedNumberScheduled: s.updatedNumberScheduled } : {}),
    },
  };
}
