import type {
  BuildPublishedStatus,
  BuildSummary,
  BuildTargetStatus,
  Condition,
  EdgeModelBuild,
  EdgeModelBuildStatus,
} from "@edgefleet/api";
import { nextCondition } from "../controller/conditions.js";
import type { EventNote } from "../controller/events.js";
import type { Publication } from "./publication.js";

/** What the build's Job shows, read from its status (and, once it ended, its pod's termination message). */
export type JobObservation =
  /** notStarting: why the Job's pod cannot start (no node fits it, its image cannot be pulled), in words. */
  | { phase: "Created"; notStarting?: string }
  | { phase: "Running"; notStarting?: string }
  /** The Job ended: its summary, or why none could be read. */
  | { phase: "Succeeded" | "Failed"; summary: BuildSummary | undefined; problem?: string };

/** Whether a status reports the end of the build of its observed generation (results or a failure). */
export function finished(status: EdgeModelBuildStatus | undefined, job: string): boolean {
  return status?.job === job && (status.conditions ?? []).some((c) => (c.type === "Ready" || c.type === "Stalled") && c.status === "True");
}

/** Progressing's reason while the build's pod cannot start (and the Warning Event's when it first says so). */
export const NOT_STARTING_REASON = "PodNotStarting";

const DEFAULT_BUDGET = 1;
const fixed = (n: number) => n.toFixed(2);

/** Why a target was refused, in words, from its numbers and the spec's budget. */
export function refusalReason(t: BuildTargetStatus, budget: number): string {
  const source = t.accuracyPercent + t.accuracyDropPoints;
  return `accuracy ${fixed(t.accuracyPercent)}% is ${fixed(t.accuracyDropPoints)} points below the source's ${fixed(source)}%, more than spec.maxAccuracyDropPoints ${budget}`;
}

/**
 * The status the reconcile writes for the build's current Job, pure: conditions kept as they were
 * (lastTransitionTime included) where their status does not change.
 */
export function buildStatus(
  build: EdgeModelBuild,
  job: string,
  observed: JobObservation,
  now: Date,
  publication?: Publication,
): EdgeModelBuildStatus {
  const generation = build.metadata.generation ?? 0;
  const budget = build.spec.maxAccuracyDropPoints ?? DEFAULT_BUDGET;
  const condition = (type: string, status: Condition["status"], reason: string, message: string): Condition =>
    nextCondition(build.status?.conditions, generation, now, type, status, reason, message);
  const base = { observedGeneration: generation, job };
  // With spec.publish: Published says whether the EdgeModel has spec.version, or why not.
  const published = (status: Condition["status"], reason: string, message: string): Condition[] =>
    build.spec.publish ? [condition("Published", status, reason, message)] : [];
  if (observed.phase === "Created" || observed.phase === "Running") {
    const stuck = observed.notStarting;
    const message = stuck ? `Job ${job}: ${stuck}` : observed.phase === "Created" ? `Job ${job} created` : `Job ${job} is building`;
    const reason = stuck ? NOT_STARTING_REASON : observed.phase === "Created" ? "JobCreated" : "JobRunning";
    return {
      ...base,
      conditions: [
        condition("Ready", "False", "Building", message),
        condition("Progressing", "True", reason, message),
        condition("Degraded", "False", "Building", ""),
        condition("Stalled", "False", "Building", ""),
        ...published("False", "Building", ""),
      ],
    };
  }
  const summary = observed.summary;
  if (observed.phase === "Failed" || !summary || "error" in summary) {
    const why =
      summary && "error" in summary
        ? summary.error
        : (observed.problem ?? (observed.phase === "Failed" ? `Job ${job} failed` : `Job ${job} succeeded without a summary`));
    const reason = summary && "error" in summary ? "BuildFailed" : observed.phase === "Failed" ? "JobFailed" : "SummaryUnreadable";
    const message = `${why}; the build is not retried until its spec changes`;
    return {
      ...base,
      conditions: [
        condition("Ready", "False", reason, message),
        condition("Progressing", "False", reason, message),
        condition("Degraded", "False", reason, ""),
        condition("Stalled", "True", reason, message),
        ...published("False", reason, "nothing was published: the build failed"),
      ],
    };
  }
  const targets = summary.targets.map((t): BuildTargetStatus => (t.verdict === "Refused" ? { ...t, reason: refusalReason(t, budget) } : t));
  const built = targets.filter((t) => t.verdict === "Built").map((t) => t.target);
  const refused = targets.filter((t) => t.verdict === "Refused");
  const message = `built ${built.join(", ") || "nothing"}${refused.length ? `; refused ${refused.map((t) => t.target).join(", ")}` : ""}`;
  const p = publication;
  const applied = p && p.action !== "refuse" ? p.published : undefined;
  const publishedCondition =
    p === undefined
      ? []
      : p.action === "refuse"
        ? published("False", p.reason, p.message)
        : published(
            "True",
            "Published",
            `EdgeModel ${build.metadata.namespace}/${p.published.edgeModel} is at version ${p.published.version} with ${p.published.variants.map((v) => v.name).join(", ")}${carriedNote(p.published)}`,
          );
  return {
    ...base,
    evaluationSamples: summary.evaluationSamples,
    calibrationSamples: summary.calibrationSamples,
    tools: summary.tools,
    targets,
    ...(applied ? { published: applied } : {}),
    conditions: [
      condition("Ready", "True", "Built", message),
      condition("Progressing", "False", "Built", message),
      refused.length
        ? condition("Degraded", "True", "TargetsRefused", refused.map((t) => `${t.target}: ${t.reason}`).join("; "))
        : condition("Degraded", "False", "Built", ""),
      condition("Stalled", "False", "Built", ""),
      ...publishedCondition,
    ],
  };
}

/** The carried variants, as the Published condition names them. */
const carriedNote = (p: BuildPublishedStatus) =>
  p.carried?.length ? `, and ${p.carried.map((c) => c.name).join(", ")} carried (signed again for ${p.version})` : "";

const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;

/** The Events of a build that just ended: Built, one TargetRefused per refused target, Published or PublishRefused; or BuildFailed. */
export function endEvents(status: EdgeModelBuildStatus): EventNote[] {
  const stalled = status.conditions?.find((c) => c.type === "Stalled" && c.status === "True");
  if (stalled) return [{ type: "Warning", reason: "BuildFailed", note: stalled.message }];
  const published = status.conditions?.find((c) => c.type === "Published");
  const publishEvents: EventNote[] = !published
    ? []
    : published.status === "True"
      ? [{ type: "Normal", reason: "Published", note: published.message }]
      : [{ type: "Warning", reason: "PublishRefused", note: `${published.reason}: ${published.message}` }];
  const targets = status.targets ?? [];
  const built = targets.filter((t) => t.verdict === "Built");
  return [
    ...(built.length
      ? [
          {
            type: "Normal" as const,
            reason: "Built",
            note: built
              .map(
                (t) =>
                  `${t.target} ${kib(t.sizeBytes)}, ${fixed(t.accuracyPercent)}% (${fixed(t.accuracyDropPoints)} pt drop), p95 ${(t.p95LatencySeconds * 1e3).toFixed(3)} ms`,
              )
              .join("; "),
          },
        ]
      : []),
    ...targets
      .filter((t) => t.verdict === "Refused")
      .map((t) => ({ type: "Warning" as const, reason: "TargetRefused", note: `${t.target}: ${t.reason}` })),
    ...publishEvents,
  ];
}
