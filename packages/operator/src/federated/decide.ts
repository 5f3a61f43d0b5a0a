import type { Condition, EdgeModelBuild, FederatedPhase, FederatedTraining, FederatedTrainingStatus } from "@edgefleet/api";
import { FEDERATED_MAX_DEVICE_NAME_BYTES, FEDERATED_MAX_DEVICES, federatedNames } from "@edgefleet/api";
import { kubeTime } from "@edgefleet/kube";
import type { V1Pod } from "@kubernetes/client-node";
import { nextCondition } from "../controller/conditions.js";
import type { EventNote } from "../controller/events.js";
import { trainingBuild } from "./build.js";
import { type CoordinatorSettings, clientPod, coordinatorPod, federatedChildren, jobConfig } from "./children.js";
import { type Eligibility, needsTelemetry, type Telemetry } from "./eligibility.js";
import type { Progress } from "./progress.js";

/** How often a job whose eligibility reads telemetry looks at it again, when nothing else happens. */
export const TELEMETRY_RECHECK_MS = 30_000;
const DEFAULT_MIN_DEVICES = 2;
const DEFAULT_STALL_AFTER_SECONDS = 1800;
/** status.excluded lists this many nodes at most. */
const MAX_EXCLUDED = 64;
/** Degraded's reason (and the Warning Event's) while a pod of a running job cannot start. */
export const POD_NOT_STARTING = "PodNotStarting";
/** A DevicesJoined Event names this many nodes at most. */
const MAX_NAMED_JOINERS = 10;

/** What one reconcile knows about a job: the caches and Prometheus, read by the reconciler. */
export interface JobObservation {
  job: FederatedTraining;
  eligibility: Eligibility;
  telemetry: Telemetry | undefined;
  /** What the progress ConfigMap holds; undefined until the job has started. */
  progress: Progress | undefined;
  /** The coordinator pod, if it exists: its phase and node, and how it failed when it did (failedExit). */
  coordinator: { phase?: string; node?: string; exit?: string } | undefined;
  /** The client pods that exist. */
  clients: readonly { name: string; node: string }[];
  now: Date;
  /** What the operator gives coordinator pods (its --artifact-ca-bundle). */
  coordinatorSettings?: CoordinatorSettings;
  /** Why a pod of the job cannot start (its image, no node for it), in words; the coordinator's first. */
  notStarting?: string;
}

/** What the reconciler is to do, and the status to write. */
export interface JobPlan {
  /** Set when the job starts now: the devices it starts with (written to the progress ConfigMap). */
  start?: string[];
  /**
   * Set when eligible devices new to the running job join it: the progress ConfigMap's whole joined
   * list, the job's earlier joiners then these. Written before the plan's pods are created, since a
   * joiner's partition (and its pod's name) is its place in that list.
   */
  join?: string[];
  /** Every pod that should exist; the reconciler creates those missing. */
  pods: V1Pod[];
  /** Names of pods to delete. */
  remove: string[];
  status: FederatedTrainingStatus;
  events: EventNote[];
  requeueAfterMs?: number;
  /** With spec.build, once the coordinator pushed the trained model: the EdgeModelBuild to apply. */
  build?: EdgeModelBuild;
}

type Wanted = [Condition["status"], string, string];

/**
 * spec.build's hand-off once training succeeded: the EdgeModelBuild to apply from what the
 * coordinator pushed, and the BuildCreated condition (a failure says why: the push's error, or a
 * coordinator that reported nothing pushed).
 */
function handoff(
  job: FederatedTraining,
  result: Progress["result"],
  events: EventNote[],
): { build?: EdgeModelBuild; condition: Wanted; status: FederatedTrainingStatus } | undefined {
  if (!job.spec.build) return undefined;
  const previous = job.status?.conditions?.find((c) => c.type === "BuildCreated");
  if (!result) {
    // The progress ConfigMap is gone (deleted with the pods of an old job): what was decided stands.
    const condition: Wanted = previous ? [previous.status, previous.reason, previous.message] : ["False", "NotPushed", "no result"];
    return { condition, status: job.status?.build ? { build: job.status.build } : {} };
  }
  const b = result.build;
  if (!b || "error" in b) {
    const condition: Wanted = b
      ? ["False", "PushFailed", `the coordinator did not sign and push the trained model: ${b.error}`]
      : ["False", "NotPushed", "the coordinator's result names no pushed model: its trainer image does not do spec.build"];
    if (previous?.reason !== condition[1]) events.push({ type: "Warning", reason: "BuildNotCreated", note: condition[2] });
    return { condition, status: {} };
  }
  const build = trainingBuild(job, b);
  const name = build?.metadata.name ?? "";
  const message = `EdgeModelBuild ${name}: ${job.spec.model} ${job.spec.build.version} from ${b.source.uri}`;
  if (previous?.status !== "True") events.push({ type: "Normal", reason: "BuildCreated", note: message });
  return { ...(build ? { build } : {}), condition: ["True", "Created", message], status: { build: { name } } };
}

/** The conditions, each keeping its transition time while its status stays. */
function conditions(
  previous: readonly Condition[],
  generation: number,
  now: Date,
  wanted: Record<string, [Condition["status"], string, string]>,
): Condition[] {
  return Object.entries(wanted).map(([type, [status, reason, message]]) =>
    nextCondition(previous, generation, now, type, status, reason, message),
  );
}

/**
 * The first of candidates a job can take beside its members: within FEDERATED_MAX_DEVICES and
 * FEDERATED_MAX_DEVICE_NAME_BYTES, or status.clients and the progress ConfigMap would outgrow what
 * the API server stores. The rest are not taken, each with why (status.excluded lists them).
 */
export function admit(
  candidates: readonly string[],
  members: readonly string[],
): { taken: string[]; left: { node: string; reason: string }[] } {
  const size = (node: string) => Buffer.byteLength(node) + 1;
  let count = members.length;
  let bytes = members.reduce((sum, m) => sum + size(m), 0);
  const taken: string[] = [];
  const left: { node: string; reason: string }[] = [];
  for (const node of candidates) {
    if (count >= FEDERATED_MAX_DEVICES)
      left.push({ node, reason: `eligible, not taken: the job has ${FEDERATED_MAX_DEVICES.toLocaleString("en-US")} devices, its most` });
    else if (bytes + size(node) > FEDERATED_MAX_DEVICE_NAME_BYTES)
      left.push({ node, reason: `eligible, not taken: the job's node names fill its ${FEDERATED_MAX_DEVICE_NAME_BYTES / 1024} KiB` });
    else {
      taken.push(node);
      count++;
      bytes += size(node);
    }
  }
  return { taken, left };
}

/** The decision for one job, from what the reconciler observed; pure. */
export function decide(o: JobObservation): JobPlan {
  const { job, now } = o;
  const spec = job.spec;
  const previous = job.status ?? {};
  const generation = job.metadata.generation ?? 0;
  const name = job.metadata.name ?? "";
  const names = federatedNames(name);
  const events: EventNote[] = [];
  /**
   * status.excluded: the nodes the rules leave out, then the eligible ones the job could not take,
   * then those its labels do not select (in a big cluster, most nodes: last, so they never hide the others).
   */
  const excludedWith = (left: readonly { node: string; reason: string }[]) =>
    [...o.eligibility.excluded, ...left, ...o.eligibility.unmatched].slice(0, MAX_EXCLUDED);
  const excluded = excludedWith([]);
  const eligible = new Set(o.eligibility.eligible);
  const degraded: [Condition["status"], string, string] =
    o.telemetry && "unavailable" in o.telemetry
      ? ["True", "TelemetryUnavailable", `eligibility from labels alone: ${o.telemetry.unavailable}`]
      : ["False", "AsExpected", ""];
  if (degraded[0] === "True" && previous.conditions?.find((c) => c.type === "Degraded")?.status !== "True")
    events.push({ type: "Warning", reason: "TelemetryUnavailable", note: degraded[2] });
  const recheck = needsTelemetry(spec.eligibility) ? TELEMETRY_RECHECK_MS : undefined;
  const allPods = [...o.clients.map((c) => c.name), ...(o.coordinator ? [names.coordinator] : [])];

  // Over: nothing left to run; the coordinator pod of a failed job stays for its logs.
  const over = (phase: FederatedPhase, conds: Record<string, Wanted>, extra: FederatedTrainingStatus): JobPlan => ({
    pods: [],
    remove: phase === "Succeeded" ? allPods : o.clients.map((c) => c.name),
    status: {
      ...previous,
      ...extra,
      observedGeneration: generation,
      phase,
      clients: [],
      conditions: conditions(previous.conditions ?? [], generation, now, { ...conds, Degraded: degraded }),
    },
    events,
  });

  if (!o.progress) {
    const minDevices = spec.minDevices ?? DEFAULT_MIN_DEVICES;
    if (o.eligibility.eligible.length < minDevices) {
      const message = `${o.eligibility.eligible.length} eligible device(s), the job needs ${minDevices}`;
      return {
        pods: [],
        remove: [],
        status: {
          observedGeneration: generation,
          phase: "Pending",
          excluded,
          conditions: conditions(previous.conditions ?? [], generation, now, {
            Progressing: ["False", "NotEnoughDevices", message],
            Succeeded: ["False", "NotStarted", message],
            Stalled: ["False", "AsExpected", ""],
            BudgetSpent: ["False", "AsExpected", ""],
            Degraded: degraded,
          }),
        },
        events,
        ...(recheck ? { requeueAfterMs: recheck } : {}),
      };
    }
    const { taken: devices, left } = admit(o.eligibility.eligible, []);
    const children = federatedChildren(job, devices, o.coordinatorSettings);
    events.push({ type: "Normal", reason: "Started", note: `coordinator and ${devices.length} clients: ${devices.join(", ")}` });
    return {
      start: devices,
      pods: [children.coordinator, ...children.clients],
      remove: [],
      status: {
        observedGeneration: generation,
        phase: "Running",
        devices: devices.length,
        clients: devices,
        excluded: excludedWith(left),
        rounds: [],
        startedAt: kubeTime(now),
        conditions: conditions(previous.conditions ?? [], generation, now, {
          Progressing: ["True", "Training", `round 1 of ${spec.rounds}`],
          Succeeded: ["False", "Training", ""],
          Stalled: ["False", "AsExpected", ""],
          BudgetSpent: ["False", "AsExpected", ""],
          Degraded: degraded,
        }),
      },
      events,
      requeueAfterMs: Math.min(recheck ?? Number.POSITIVE_INFINITY, (spec.stallAfterSeconds ?? DEFAULT_STALL_AFTER_SECONDS) * 1000),
    };
  }

  const { progress } = o;
  const rounds = progress.rounds;
  const known = previous.rounds?.length ?? 0;
  for (const r of rounds.slice(known)) {
    const epsilon = r.epsilon === undefined ? "" : `, epsilon ${r.epsilon.toFixed(3)}`;
    events.push({
      type: "Normal",
      reason: "RoundFinished",
      note: `round ${r.round}: ${r.participants} of ${r.sampled} sampled devices replied, accuracy ${r.accuracyPercent.toFixed(2)}%${epsilon}`,
    });
  }
  if (progress.invalidLines > 0)
    events.push({
      type: "Warning",
      reason: "ProgressInvalid",
      note: `${progress.invalidLines} line(s) of the coordinator's rounds are not rounds`,
    });
  const lastRoundAt = rounds.length > known ? kubeTime(now) : previous.lastRoundAt;
  const startedAt = previous.startedAt ?? kubeTime(now);
  const lastEpsilon = rounds.at(-1)?.epsilon;
  const common: FederatedTrainingStatus = {
    devices: progress.devices.length + progress.joined.length,
    excluded,
    rounds,
    startedAt,
    ...(lastRoundAt ? { lastRoundAt } : {}),
    ...(lastEpsilon !== undefined ? { epsilon: lastEpsilon } : {}),
  };

  if (progress.result || previous.phase === "Succeeded") {
    const r = progress.result;
    const planned = r?.roundsPlanned ?? previous.roundsPlanned ?? rounds.length;
    const spent = !!spec.differentialPrivacy && planned < spec.rounds;
    const message = `${rounds.length} round(s), accuracy ${(r?.finalAccuracyPercent ?? previous.finalAccuracyPercent ?? 0).toFixed(2)}%`;
    if (previous.phase !== "Succeeded") events.push({ type: "Normal", reason: "Succeeded", note: `${message}; model ${r?.model ?? ""}` });
    if (spent && previous.phase !== "Succeeded")
      events.push({ type: "Normal", reason: "BudgetSpent", note: `the privacy budget allowed ${planned} of ${spec.rounds} rounds` });
    const handed = handoff(job, r, events);
    const plan = over(
      "Succeeded",
      {
        Progressing: ["False", "Succeeded", message],
        Succeeded: ["True", "ModelWritten", message],
        Stalled: ["False", "AsExpected", ""],
        BudgetSpent: spent
          ? [
              "True",
              "TargetEpsilonReached",
              `epsilon ${spec.differentialPrivacy?.targetEpsilon} allowed ${planned} of ${spec.rounds} rounds`,
            ]
          : ["False", "AsExpected", ""],
        ...(handed ? { BuildCreated: handed.condition } : {}),
      },
      {
        ...common,
        roundsPlanned: planned,
        ...(r ? { finalAccuracyPercent: r.finalAccuracyPercent } : {}),
        ...(r?.epsilon != null ? { epsilon: r.epsilon } : {}),
        ...(r ? { output: { node: o.coordinator?.node ?? previous.output?.node ?? "", model: r.model } } : {}),
        ...handed?.status,
      },
    );
    return handed?.build ? { ...plan, build: handed.build } : plan;
  }

  if (o.coordinator?.phase === "Failed" || previous.phase === "Failed") {
    // Why, from the pod while it is there; the message said once stays when the pod is gone.
    const exit = o.coordinator?.exit;
    const said = previous.conditions?.find((c) => c.type === "Stalled" && c.reason === "CoordinatorFailed")?.message;
    const message =
      exit || !said
        ? `the coordinator pod ${names.coordinator} failed after ${rounds.length} round(s)${exit ? `: ${exit}` : ""}: see its log: kubectl logs -n ${job.metadata.namespace} ${names.coordinator}`
        : said;
    if (previous.phase !== "Failed") events.push({ type: "Warning", reason: "CoordinatorFailed", note: message });
    return over(
      "Failed",
      {
        Progressing: ["False", "CoordinatorFailed", message],
        Succeeded: ["False", "CoordinatorFailed", message],
        Stalled: ["True", "CoordinatorFailed", message],
        BudgetSpent: ["False", "AsExpected", ""],
      },
      common,
    );
  }

  // Running: a client for each device of the job that is still eligible. An eligible device new to
  // the job joins it: appended to the joined list, its partition the next one. Flower registers its
  // SuperNode when it connects, and the app samples later rounds from every device connected then.
  const config = jobConfig(job, progress.devices.length);
  const members = new Set([...progress.devices, ...progress.joined]);
  const { taken: joining, left } = admit(
    o.eligibility.eligible.filter((node) => !members.has(node)),
    [...members],
  );
  if (joining.length > 0) {
    const shown = joining.slice(0, MAX_NAMED_JOINERS).join(", ");
    const more = joining.length > MAX_NAMED_JOINERS ? ` and ${joining.length - MAX_NAMED_JOINERS} more` : "";
    events.push({
      type: "Normal",
      reason: "DevicesJoined",
      note: `${joining.length} eligible device(s) joined the running job: ${shown}${more}`,
    });
  }
  const all = [...progress.devices, ...progress.joined, ...joining];
  const wanted = all.map((node, i) => ({ node, i })).filter(({ node }) => eligible.has(node));
  const wantedNames = new Set(wanted.map(({ i }) => names.client(i)));
  const remove = o.clients.filter((c) => !wantedNames.has(c.name));
  const why = new Map([...o.eligibility.excluded, ...o.eligibility.unmatched].map((e) => [e.node, e.reason]));
  for (const c of remove)
    events.push({
      type: "Normal",
      reason: "ClientRemoved",
      note: `${c.node} is no longer eligible: ${why.get(c.node) ?? "not in the fleet"}`,
    });
  const stallMs = (spec.stallAfterSeconds ?? DEFAULT_STALL_AFTER_SECONDS) * 1000;
  const quietMs = now.getTime() - Date.parse(lastRoundAt ?? startedAt);
  const stalled = quietMs >= stallMs;
  const stallMessage = `no round finished for ${Math.round(quietMs / 1000)} s (stallAfterSeconds: ${stallMs / 1000})`;
  if (stalled && previous.conditions?.find((c) => c.type === "Stalled")?.status !== "True")
    events.push({ type: "Warning", reason: "NoProgress", note: stallMessage });
  const requeue = Math.min(recheck ?? Number.POSITIVE_INFINITY, stalled ? Number.POSITIVE_INFINITY : stallMs - quietMs);
  // A pod that cannot start is the job's problem now, before the stall timeout says so in general terms.
  const running: Wanted = o.notStarting ? ["True", POD_NOT_STARTING, o.notStarting] : degraded;
  if (o.notStarting && previous.conditions?.find((c) => c.type === "Degraded")?.reason !== POD_NOT_STARTING)
    events.push({ type: "Warning", reason: POD_NOT_STARTING, note: o.notStarting });
  return {
    ...(joining.length > 0 ? { join: [...progress.joined, ...joining] } : {}),
    pods: [coordinatorPod(job, config, o.coordinatorSettings), ...wanted.map(({ node, i }) => clientPod(job, config, node, i))],
    remove: remove.map((c) => c.name),
    status: {
      ...common,
      excluded: excludedWith(left),
      devices: all.length,
      observedGeneration: generation,
      phase: "Running",
      clients: wanted.map(({ node }) => node),
      conditions: conditions(previous.conditions ?? [], generation, now, {
        Progressing: ["True", "Training", `round ${Math.min(rounds.length + 1, spec.rounds)} of ${spec.rounds}`],
        Succeeded: ["False", "Training", ""],
        Stalled: stalled ? ["True", "NoProgress", stallMessage] : ["False", "AsExpected", ""],
        BudgetSpent: ["False", "AsExpected", ""],
        Degraded: running,
      }),
    },
    events,
    ...(Number.isFinite(requeue) ? { requeueAfterMs: Math.max(1000, requeue) } : {}),
  };
}
