import type { Condition, PlacementStatus } from "@edgefleet/api";
import { LABELS } from "@edgefleet/api";
import { kubeTime } from "@edgefleet/kube";
import type { V1DaemonSet } from "@kubernetes/client-node";
import { containerFix, type PodStartProblem } from "../controller/pod-start.js";
import type { ClassPlan, PlacedClass, Plan, UnplacedClass, UntoleratedNode } from "./plan.js";

/** What the operator last saw of one class's workload. */
export interface WorkloadObservation {
  hardwareClass: string;
  /** The workload's controller has acted on its latest spec, and every pod runs it. */
  rolledOut: boolean;
  desired: number;
  ready: number;
}

/** Reads a DaemonSet's status; one its controller has not yet observed counts as not rolled out. */
export function observeDaemonSet(ds: V1DaemonSet): WorkloadObservation {
  const status = ds.status;
  const desired = status?.desiredNumberScheduled ?? 0;
  const ready = status?.numberReady ?? 0;
  const observed = (status?.observedGeneration ?? 0) >= (ds.metadata?.generation ?? 1);
  return {
    hardwareClass: ds.metadata?.labels?.[LABELS.hardwareClass] ?? "",
    rolledOut: observed && (status?.updatedNumberScheduled ?? 0) >= desired && ready >= desired,
    desired,
    ready,
  };
}

/** PlacementStatus.sharing.with's maxItems: a sharing binding's maxModels is at most 64. */
const MAX_SHARED_WITH = 64;

const CONDITION_TYPES = ["Ready", "Progressing", "Degraded", "Stalled"] as const;

/** A runtime pod of the model that cannot start (controller/pod-start.ts), in its class. */
export interface StuckPod {
  hardwareClass: string;
  namespace: string;
  pod: string;
  problem: PodStartProblem;
}

export interface StatusInput {
  plan: Plan;
  workloads: readonly WorkloadObservation[];
  /** The model's runtime pods that cannot start, in name order. */
  stuck?: readonly StuckPod[];
  generation: number;
  /** The conditions now in status, so an unchanged condition keeps its lastTransitionTime. */
  previous?: readonly Condition[];
  now: Date;
}

export interface ModelStatusSummary {
  conditions: Condition[];
  placements: PlacementStatus[];
}

type Verdict = Pick<Condition, "status" | "reason" | "message">;

/**
 * The EdgeModel's conditions and per-class placements. Ready means every targeted node runs the
 * model; Degraded that some class can run no variant, or that runtime pods cannot start (an image
 * the nodes cannot pull, no room left on a node); Progressing that a placed class is still
 * rolling out; Stalled that nothing can be placed at all until the fleet, the runtimes or the
 * model change.
 */
export function conditionsFor({ plan, workloads, stuck = [], generation, previous = [], now }: StatusInput): ModelStatusSummary {
  const byClass = new Map(workloads.map((w) => [w.hardwareClass, w]));
  const placed = plan.classes.filter((c): c is PlacedClass => c.placed);
  const unplaced = plan.classes.filter((c): c is UnplacedClass => !c.placed);
  const rollingOut = placed.filter((c) => !byClass.get(c.hardwareClass)?.rolledOut);

  // Capacity alone in the way: freed by another model's deletion, when the ledger replans this one.
  const unplacedReason = unplaced.every((c) => c.capacityLimited) ? "InsufficientCapacity" : "NoCompatibleVariant";
  const fellBack = placed.filter((c) => c.capacityLimited);
  const stalled: Verdict | undefined =
    plan.classes.length === 0
      ? {
          status: "True",
          reason: "NoMatchingNodes",
          message: plan.untolerated.length
            ? `no node both matches spec.placement.nodeSelector and tolerates its taints. ${untoleratedMessage(plan.untolerated)}`
            : "no node matches spec.placement.nodeSelector",
        }
      : placed.length === 0
        ? { status: "True", reason: unplacedReason, message: unplacedMessage(unplaced, plan.classes.length) }
        : undefined;
  const notStarting: Verdict | undefined = stuck.length
    ? { status: "True", reason: "PodsNotStarting", message: stuckPodsMessage(stuck, placed) }
    : undefined;
  const degraded: Verdict = unplaced.length
    ? { status: "True", reason: unplacedReason, message: unplacedMessage(unplaced, plan.classes.length) }
    : (notStarting ??
      (fellBack.length
        ? { status: "True", reason: "CapacityFallback", message: fallbackMessage(fellBack, plan.classes.length) }
        : { status: "False", reason: "AllClassesPlaced", message: "" }));
  const progressing: Verdict = rollingOut.length
    ? {
        status: "True",
        reason: "RollingOut",
        message: `rolling out to ${rollingOut.map((c) => progress(c, byClass.get(c.hardwareClass))).join(", ")}`,
      }
    : { status: "False", reason: stalled?.reason ?? "RolloutComplete", message: "" };
  const nodes = placed.reduce((n, c) => n + c.nodes.length, 0);
  const notReady = stalled ?? (unplaced.length ? degraded : undefined) ?? notStarting ?? (rollingOut.length ? progressing : undefined);
  const ready: Verdict = notReady
    ? { ...notReady, status: "False" }
    : {
        status: "True",
        reason: "AllNodesReady",
        message: bounded(
          [`runs on ${nodes} node(s) in ${placed.length} hardware class(es)`, untoleratedMessage(plan.untolerated)]
            .filter(Boolean)
            .join(". "),
        ),
      };
  const verdicts: Record<(typeof CONDITION_TYPES)[number], Verdict> = {
    Ready: ready,
    Progressing: progressing,
    Degraded: degraded,
    Stalled: stalled ?? { status: "False", reason: "Placeable", message: "" },
  };
  const timestamp = kubeTime(now);
  const conditions = CONDITION_TYPES.map((type): Condition => {
    const v = verdicts[type];
    const before = previous.find((c) => c.type === type);
    const lastTransitionTime = before?.status === v.status ? before.lastTransitionTime : timestamp;
    return { type, ...v, lastTransitionTime, observedGeneration: generation };
  });
  return { conditions, placements: plan.classes.map((c) => placementStatus(c, byClass.get(c.hardwareClass))) };
}

function unplacedMessage(unplaced: readonly UnplacedClass[], total: number): string {
  const reasons = unplaced.map((c) => `${c.hardwareClass}: ${c.reason}`);
  return bounded(`${unplaced.length} of ${total} hardware class(es) can run no variant. ${reasons.join(". ")}`);
}

/** The nodes taints keep the model off, with the fix; "" when there are none. */
function untoleratedMessage(untolerated: readonly UntoleratedNode[]): string {
  if (!untolerated.length) return "";
  const shown = untolerated.slice(0, UNTOLERATED_SHOWN).map((n) => `${n.node} (${n.taints.join(", ")})`);
  const more = untolerated.length > UNTOLERATED_SHOWN ? ` and ${untolerated.length - UNTOLERATED_SHOWN} more` : "";
  return `${untolerated.length} node(s) left out for taints the model does not tolerate: ${shown.join(", ")}${more}; spec.placement.tolerations lets it run there`;
}

/**
 * Per class, how many runtime pods cannot start, the first one's reason in the scheduler's or the
 * kubelet's words, and what to change for it.
 */
function stuckPodsMessage(stuck: readonly StuckPod[], placed: readonly PlacedClass[]): string {
  const byClass = new Map<string, StuckPod[]>();
  for (const s of stuck) byClass.set(s.hardwareClass, [...(byClass.get(s.hardwareClass) ?? []), s]);
  const parts = [...byClass].map(([hardwareClass, pods]) => {
    const [first] = pods as [StuckPod];
    const runtime = placed.find((c) => c.hardwareClass === hardwareClass)?.choice.runtime.metadata.name;
    const { reason, message } = first.problem;
    // The kubelet's and the scheduler's messages often end in a full stop; the fix follows a colon.
    return `${hardwareClass}: ${pods.length} runtime pod(s) cannot start; pod ${first.pod}: ${reason}: ${message.replace(/\.$/, "")}: ${startFix(first, runtime)}`;
  });
  return bounded(parts.join(". "));
}

function startFix({ namespace, pod, problem }: StuckPod, runtime: string | undefined): string {
  switch (problem.cause) {
    case "image":
      return `its nodes cannot pull the image of EdgeRuntime ${runtime ?? "(unknown)"}: push it to a registry they reach (docs/images.md) or change the EdgeRuntime's spec.image`;
    case "unschedulable":
      return "its node lacks what it requests (spec.resources and the runtime's accelerator resources) beside the pods already there: free them or lower spec.resources";
    case "container":
      return containerFix(namespace, pod, problem);
  }
}

/** Tainted nodes named in a message; a fleet with hundreds gets a count for the rest. */
const UNTOLERATED_SHOWN = 5;

function fallbackMessage(fellBack: readonly PlacedClass[], total: number): string {
  const reasons = fellBack.map(
    (c) => `${c.hardwareClass} runs ${c.choice.variant.name} on ${c.choice.accelerator}, passing over ${c.passedOver.join("; ")}`,
  );
  return bounded(
    `${fellBack.length} of ${total} hardware class(es) fell back: older models' placements hold what they prefer. ${reasons.join(". ")}`,
  );
}

/** Condition messages stay readable (and the status small) however many classes and variants there are. */
const MESSAGE_LIMIT = 2048;

/** PlacementStatus.reason's maxLength: a longer one would have the API server refuse the whole status. */
const REASON_LIMIT = 4096;

function bounded(message: string, limit = MESSAGE_LIMIT): string {
  return message.length <= limit ? message : `${message.slice(0, limit - 1)}…`;
}

function progress(c: ClassPlan, w: WorkloadObservation | undefined): string {
  return w ? `${c.hardwareClass} (${w.ready}/${w.desired} ready)` : `${c.hardwareClass} (not created yet)`;
}

function placementStatus(c: ClassPlan, w: WorkloadObservation | undefined): PlacementStatus {
  const base = { hardwareClass: c.hardwareClass, nodes: c.nodes.length, ready: Math.min(w?.ready ?? 0, c.nodes.length) };
  if (!c.placed) return { ...base, ready: 0, reason: bounded(c.reason, REASON_LIMIT) };
  const { variant, runtime, accelerator, claim, sharedWith } = c.choice;
  return {
    ...base,
    accelerator,
    variant: variant.name,
    runtime: runtime.metadata.name ?? "",
    ...(c.passedOver.length ? { reason: bounded(`passed over: ${c.passedOver.join("; ")}`, REASON_LIMIT) } : {}),
    ...(claim.sharing ? { sharing: { role: claim.sharing.role, with: sharedWith.slice(0, MAX_SHARED_WITH) } } : {}),
  };
}
