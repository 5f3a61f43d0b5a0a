import { createHash } from "node:crypto";
import type { EdgeModel, ModelVariant } from "@edgefleet/api";
import { LABELS, MANAGER } from "@edgefleet/api";
import type { KubeObject } from "@edgefleet/kube";
import type { V1ControllerRevision, V1DaemonSet } from "@kubernetes/client-node";
import { stableJson } from "../controller/stable-json.js";
import { ownerReference } from "../planner/daemonset.js";
import { childName } from "../planner/names.js";
import { ROLLOUT_LABELS } from "./vocabulary.js";

/*
 * What a rollout rolls out, and back: the version and its variants. During a rollout each is kept
 * as an apps/v1 ControllerRevision owned by the model, as the DaemonSet controller keeps its pod
 * templates: the snapshot outlives the spec that made it, so a rollback knows what "the last good
 * version" was even after spec.version and spec.variants have moved on. The name holds a hash of
 * the content, so the same content always maps to the same (immutable) object.
 *
 * A model that is not rolling anything out needs no such object (one write per model less on a
 * fleet's first convergence): its DaemonSets carry the snapshot they run in an annotation, written
 * by the apply they need anyway, and the first rollout reads it back from there.
 */

export interface RevisionData {
  version: string;
  variants: ModelVariant[];
}

export interface Revision {
  name: string;
  data: RevisionData;
}

export type CachedRevision = V1ControllerRevision & KubeObject;

/** On DaemonSets: the RevisionData (JSON) of the version and variants they run. */
export const REVISION_ANNOTATION = "edgefleet.io/revision";

function revisionOf(model: string, data: RevisionData): Revision {
  const hash = createHash("sha256").update(stableJson(data)).digest("hex").slice(0, 10);
  return { name: childName(model, "rev", hash), data };
}

export function revisionOfSpec(model: EdgeModel): Revision {
  return revisionOf(model.metadata.name ?? "", { version: model.spec.version, variants: model.spec.variants });
}

/** The annotation value a workload of the model (at a revision) carries. */
export function revisionAnnotation(model: EdgeModel): string {
  return stableJson({ version: model.spec.version, variants: model.spec.variants });
}

/** The revision a workload of the model runs, from its annotation; undefined when it has none or an unreadable one. */
export function revisionOfWorkload(model: string, ds: V1DaemonSet): Revision | undefined {
  const value = ds.metadata?.annotations?.[REVISION_ANNOTATION];
  if (value === undefined) return undefined;
  try {
    const data = JSON.parse(value) as Partial<RevisionData>;
    if (typeof data.version !== "string" || !Array.isArray(data.variants)) return undefined;
    return revisionOf(model, { version: data.version, variants: data.variants });
  } catch {
    return undefined;
  }
}

/** The model as it was at a revision: its current placement, resources and SLOs with the revision's version and variants. */
export function atRevision(model: EdgeModel, revision: Revision): EdgeModel {
  return { ...model, spec: { ...model.spec, version: revision.data.version, variants: revision.data.variants } };
}

export function desiredRevision(model: EdgeModel, revision: Revision, number: number): V1ControllerRevision {
  return {
    apiVersion: "apps/v1",
    kind: "ControllerRevision",
    metadata: {
      name: revision.name,
      namespace: model.metadata.namespace ?? "",
      labels: {
        [ROLLOUT_LABELS.revisionOf]: model.metadata.name ?? "",
        [LABELS.modelVersion]: revision.data.version,
        [LABELS.managedBy]: MANAGER,
        [LABELS.partOf]: "edgefleet",
      },
      ownerReferences: [ownerReference(model)],
    },
    data: revision.data,
    revision: number,
  };
}

/** A revision read back from the API; undefined when the object is not one of ours. */
export function readRevision(cr: V1ControllerRevision): Revision | undefined {
  const data = cr.data as Partial<RevisionData> | undefined;
  if (!cr.metadata?.name || typeof data?.version !== "string" || !Array.isArray(data.variants)) return undefined;
  return { name: cr.metadata.name, data: { version: data.version, variants: data.variants } };
}

/** The ControllerRevision cache's index: the owning model's key. */
export function revisionOwner(cr: V1ControllerRevision): string | undefined {
  const model = cr.metadata?.labels?.[ROLLOUT_LABELS.revisionOf];
  return model && cr.metadata?.namespace ? `${cr.metadata.namespace}/${model}` : undefined;
}

/** What the cache keeps: identity, labels and the snapshot. */
export function slimRevision(raw: KubeObject): CachedRevision {
  const cr = raw as V1ControllerRevision;
  const { name, namespace, uid, resourceVersion, labels, ownerReferences } = cr.metadata ?? {};
  const metadata = Object.fromEntries(
    Object.entries({ name, namespace, uid, resourceVersion, labels, ownerReferences }).filter(([, v]) => v !== undefined),
  );
  return { apiVersion: "apps/v1", kind: "ControllerRevision", metadata, data: cr.data, revision: cr.revision };
}
