import type { EdgeModel, EdgeModelSpec, EdgeRuntime } from "@edgefleet/api";
import { type Accelerator, DEFAULT_ACCELERATOR_PREFERENCE, LABELS } from "@edgefleet/api";
import type { V1Node, V1Taint } from "@kubernetes/client-node";
import { ALONE, type Capacity, memoryRequest } from "./capacity.js";
import { type Choice, selectVariant } from "./choose.js";
import { groupIntoClasses, type HardwareClass, sharedCapabilities } from "./hardware-classes.js";
import { type NodeCapabilities, nodeCapabilities } from "./node-capabilities.js";
import { untoleratedTaints } from "./taints.js";

export interface PlanInput {
  model: EdgeModel;
  runtimes: readonly EdgeRuntime[];
  nodes: readonly V1Node[];
  /** What older models' placements take (default: nothing, as if the model were alone). */
  capacity?: Capacity;
}

interface ClassPlanBase {
  hardwareClass: string;
  /** Whether the class is the nodes' edgefleet.io/hardware-class label (else derived from their hardware). */
  labelled: boolean;
  /** Nodes of the class the model targets, sorted by name. */
  nodes: readonly string[];
  /** Whether older models' placements ruled out an option the class would otherwise have taken (or could take). */
  capacityLimited: boolean;
}

export interface PlacedClass extends ClassPlanBase {
  placed: true;
  choice: Choice;
  /** Why better-preferred accelerators or earlier variants were not used; empty when the first choice fit. */
  passedOver: string[];
  /** Accelerators the class has that the model's preference ranks ahead of the one chosen (no variant and runtime fit them). */
  betterAccelerators: Accelerator[];
  /** True when the workload must name its nodes: the class is derived, or limited to some of its nodes. */
  pinned: boolean;
}

export interface UnplacedClass extends ClassPlanBase {
  placed: false;
  /** For the placement's status and the Degraded condition. */
  reason: string;
}

export type ClassPlan = PlacedClass | UnplacedClass;

/** A node the nodeSelector picks whose taints keep the model's pods off it. */
export interface UntoleratedNode {
  node: string;
  /** The taints the model does not tolerate, as key[=value]:effect. */
  taints: string[];
}

/** Every hardware class the model targets, sorted by name, each placed or with the reason it is not. */
export interface Plan {
  classes: ClassPlan[];
  /** Nodes left out for their taints, by name; for status, so a user sees why. */
  untolerated: UntoleratedNode[];
}

/** What is planned for a model that runs nowhere (deleted, or refused before planning). */
export const NO_PLAN: Plan = { classes: [], untolerated: [] };

/**
 * Plans one EdgeModel on the fleet: the nodes its nodeSelector picks and whose taints it tolerates, grouped into hardware
 * classes, each given the best (variant, runtime, accelerator) all its targeted nodes can run.
 */
export function plan({ model, runtimes, nodes, capacity = ALONE }: PlanInput): Plan {
  const selector = Object.entries(model.spec.placement?.nodeSelector ?? {});
  const tolerations = model.spec.placement?.tolerations ?? [];
  // One pass and no destructuring per node: the capacity ledger plans every model over every node,
  // and at 2,000 models on 500 nodes filter/map with a destructured entry per node and selector key
  // allocated 8% of all the operator allocated (an allocation profile of the bench).
  const targeted: NodeCapabilities[] = [];
  const untolerated: UntoleratedNode[] = [];
  for (const node of nodes) {
    if (node.metadata?.deletionTimestamp) continue;
    const capabilities = nodeCapabilities(node);
    if (!matchesSelector(capabilities.labels, selector)) continue;
    // A node whose taints keep the pods off is no target, as the scheduler sees it (a tainted build node, say).
    const refused = capabilities.taints.length ? untoleratedTaints(capabilities.taints, tolerations) : [];
    if (refused.length) untolerated.push({ node: capabilities.name, taints: refused.map(taintText) });
    else targeted.push(capabilities);
  }
  // By name: status names them, and a cache's order changing must not rewrite the status.
  untolerated.sort((a, b) => (a.node < b.node ? -1 : a.node > b.node ? 1 : 0));
  return {
    classes: groupIntoClasses(targeted).map((cls) => planClass(model.spec, model.metadata.namespace ?? "", runtimes, cls, capacity)),
    untolerated,
  };
}

/** A taint as kubectl taint writes it: key[=value]:effect. */
function taintText({ key, value, effect }: V1Taint): string {
  return `${key}${value ? `=${value}` : ""}:${effect}`;
}

function matchesSelector(labels: Readonly<Record<string, string>>, selector: readonly [string, string][]): boolean {
  for (let i = 0; i < selector.length; i++) {
    const entry = selector[i] as [string, string];
    if (labels[entry[0]] !== entry[1]) return false;
  }
  return true;
}

function planClass(
  spec: EdgeModelSpec,
  namespace: string,
  runtimes: readonly EdgeRuntime[],
  cls: HardwareClass,
  capacity: Capacity,
): ClassPlan {
  // Nodes in name order, so a limit keeps the same nodes from one plan to the next.
  const nodes = cls.nodes.slice(0, nodeLimit(spec, cls.name));
  const base = { hardwareClass: cls.name, labelled: cls.labelled, nodes: nodes.map((n) => n.name) };
  const shared = sharedCapabilities(nodes);
  if (shared.architectures.length > 1) {
    const byArch = shared.architectures.map(
      (arch) =>
        `${arch}: ${nodes
          .filter((n) => n.arch === arch)
          .map((n) => n.name)
          .join(", ")}`,
    );
    return {
      ...base,
      placed: false,
      capacityLimited: false,
      reason: `nodes of the class differ in architecture (${byArch.join("; ")}); give them different ${LABELS.hardwareClass} labels`,
    };
  }
  const selection = selectVariant({
    variants: spec.variants,
    runtimes,
    preference: spec.placement?.acceleratorPreference ?? DEFAULT_ACCELERATOR_PREFERENCE,
    nodes,
    shared,
    capacity,
    memory: memoryRequest(spec),
    namespace,
  });
  if (!selection.ok) return { ...base, placed: false, reason: selection.reason, capacityLimited: selection.capacityLimited };
  return {
    ...base,
    placed: true,
    capacityLimited: selection.capacityLimited,
    choice: selection.choice,
    passedOver: selection.passedOver,
    betterAccelerators: selection.betterAccelerators,
    pinned: !cls.labelled || nodes.length < cls.nodes.length,
  };
}

/** Whether the class runs the model on its CPU although it has an accelerator the model would rather use. */
export function cpuFallback(cls: ClassPlan): boolean {
  return cls.placed && cls.choice.accelerator === "cpu" && cls.betterAccelerators.length > 0;
}

function nodeLimit(spec: EdgeModelSpec, hardwareClass: string): number {
  const placement = spec.placement;
  return (
    placement?.classLimits?.find((l) => l.hardwareClass === hardwareClass)?.maxNodes ??
    placement?.maxNodesPerClass ??
    Number.POSITIVE_INFINITY
  );
}
