import type { EdgeModel } from "@edgefleet/api";
import type { V1DaemonSet } from "@kubernetes/client-node";
import type { Verifier } from "../planner/artifact-volume.js";
import { desiredDaemonSet, type NodeNames } from "../planner/daemonset.js";
import type { PlacedClass, Plan } from "../planner/plan.js";
import type { TrustedSignatures } from "../planner/trust.js";
import { canaryNodes } from "./nodes.js";
import { REVISION_ANNOTATION, revisionAnnotation } from "./revisions.js";

export interface ClassProgress {
  hardwareClass: string;
  /** Nodes assigned the new version. */
  updated: number;
  nodes: number;
}

export interface WorkloadsInput {
  /** The model at its stable revision, and its plan. */
  stable: { model: EdgeModel; plan: Plan };
  /** During a rollout: the model at the new revision, its plan, and the current step's share. */
  canary?: { model: EdgeModel; plan: Plan; percent: number };
  /** Nodes of a class the canary workload runs on now ("all" when it names none). */
  previousCanaries: (hardwareClass: string) => readonly string[] | "all";
  /** How every runtime pod verifies its artifact (default: DEFAULT_VERIFIER). */
  verifier?: Verifier;
  /** The public keys the trust policies allow for the model, for both tracks; unset without a policy. */
  trust?: TrustedSignatures | undefined;
}

/** A node the model is placed on, and which of its versions the node runs. */
export interface NodeAssignment {
  node: string;
  track: "stable" | "canary";
  version: string;
}

export interface Workloads {
  daemonSets: V1DaemonSet[];
  progress: ClassProgress[];
  /** Every planned node the DaemonSets place the model on, once each, sorted by node. */
  assignments: NodeAssignment[];
}

const placedIn = (plan: Plan | undefined, name: string): PlacedClass | undefined => {
  const c = plan?.classes.find((x) => x.hardwareClass === name);
  return c?.placed ? c : undefined;
};

/**
 * Every DaemonSet the model needs: per hardware class, a stable one for the nodes on the last good
 * revision and, during a rollout, a canary one for the step's share of nodes on the new revision.
 * The stable one excludes the canaries by name rather than listing its own nodes, so a node that
 * joins the class runs the known-good version at once, before the operator has even seen it.
 */
export function desiredWorkloads({ stable, canary, previousCanaries, verifier, trust }: WorkloadsInput): Workloads {
  const daemonSets: V1DaemonSet[] = [];
  const progress: ClassProgress[] = [];
  const assignments: NodeAssignment[] = [];
  const seed = stable.model.metadata.uid ?? "";
  const verify = { ...(verifier === undefined ? {} : { verifier }), trust };
  for (const cls of stable.plan.classes) {
    const onStable = placedIn(stable.plan, cls.hardwareClass);
    const onCanary = placedIn(canary?.plan, cls.hardwareClass);
    const newNodes =
      canary && onCanary
        ? canaryNodes({ seed, nodes: cls.nodes, previous: previousCanaries(cls.hardwareClass), percent: canary.percent })
        : [];
    const isNew = new Set(newNodes);
    const oldNodes = cls.nodes.filter((n) => !isNew.has(n));
    if (onStable && oldNodes.length) {
      const nodes: NodeNames = onStable.pinned ? { in: oldNodes } : { notIn: newNodes };
      daemonSets.push(
        snapshotted(desiredDaemonSet({ model: stable.model, placement: onStable, track: "stable", nodes, ...verify }), stable.model),
      );
      for (const node of oldNodes) assignments.push({ node, track: "stable", version: stable.model.spec.version });
    }
    if (canary && onCanary && newNodes.length) {
      const nodes: NodeNames = newNodes.length === cls.nodes.length && !onCanary.pinned ? {} : { in: newNodes };
      daemonSets.push(
        snapshotted(desiredDaemonSet({ model: canary.model, placement: onCanary, track: "canary", nodes, ...verify }), canary.model),
      );
      for (const node of newNodes) assignments.push({ node, track: "canary", version: canary.model.spec.version });
    }
    if (canary) progress.push({ hardwareClass: cls.hardwareClass, updated: newNodes.length, nodes: cls.nodes.length });
  }
  return { daemonSets, progress, assignments: assignments.sort((a, b) => (a.node < b.node ? -1 : a.node > b.node ? 1 : 0)) };
}

/** The workload with the snapshot of the revision it runs, from which a first rollout recovers the stable one. */
function snapshotted(ds: V1DaemonSet, model: EdgeModel): V1DaemonSet {
  const metadata = ds.metadata ?? {};
  return { ...ds, metadata: { ...metadata, annotations: { ...metadata.annotations, [REVISION_ANNOTATION]: revisionAnnotation(model) } } };
}
