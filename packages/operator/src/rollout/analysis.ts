import type { AnalysisCheck, ClassMeasurement, EdgeModelSpec } from "@edgefleet/api";
import { errorMessage } from "@edgefleet/kit";
import type { AnalysisOutcome } from "./decide.js";
import type { MetricsSource, Sample } from "./metrics-source.js";
import {
  artifactRefusalsQuery,
  countQuery,
  type DeviceQuantity,
  deviceMaxQuery,
  evaluationsQuery,
  latencyQuantileQuery,
  placedNodesQuery,
  type QueryScope,
} from "./queries.js";
import type { RolloutSettings } from "./settings.js";
import { ARTIFACT_CHECK } from "./vocabulary.js";

export interface AnalysisRequest {
  namespace: string;
  model: string;
  stableVersion: string;
  canaryVersion: string;
  /** Hardware classes with nodes on the new version: each is judged on its own. */
  classes: readonly string[];
  settings: RolloutSettings;
  slo: EdgeModelSpec["slo"];
  /** Time since the step started: refusals count over the whole step, however late the analysis (at least the window). */
  stepSeconds: number;
  /** The new version's variants' profile.accuracy.percent, by variant name: what slo.maxAccuracyDropPoints measures against. */
  variantAccuracy?: ReadonlyMap<string, number>;
  /**
   * Per class, the variant it is planned on at the new version when that variant names evaluation
   * data its devices score (profile.accuracy.evaluation.uri): with slo.maxAccuracyDropPoints set,
   * such a class must report evaluations, as a power limit must be measured.
   */
  scoredVariants?: ReadonlyMap<string, string>;
}

/** Per class and version. */
type ByClass = Map<string, { stable?: number; canary?: number }>;

/** What the queries measured over the window. */
export interface Measurements {
  p95: ByClass;
  /** The new version's median latency, per class. */
  p50?: Map<string, number>;
  requests: ByClass;
  errors: ByClass;
  /** Highest reading on the new version's nodes, per class. */
  power: Map<string, number>;
  temperature: Map<string, number>;
  /** Nodes that refused the new version's artifact, and why, per class; classes without refusals are absent. */
  refusals: Map<string, { nodes: Set<string>; reasons: Set<string> }>;
  /** Whether the metrics source holds the operator's assignment series of the new version, which every query joins on. */
  placementSeen: boolean;
  /** Evaluations the new version's runtimes scored and answered right, per class and variant. */
  evaluations?: Map<string, Map<string, { scored: number; correct: number }>>;
}

/** Queries the source and judges the step; a source that fails makes the analysis inconclusive, never a pass. */
export async function analyse(source: MetricsSource, req: AnalysisRequest): Promise<AnalysisOutcome> {
  if (req.stableVersion === req.canaryVersion) {
    return {
      verdict: "Skipped",
      message: `the new variants keep version ${req.canaryVersion}: metrics cannot tell them from the stable ones, so the step advances on its pause alone`,
    };
  }
  const scope: QueryScope = { namespace: req.namespace, model: req.model, windowSeconds: req.settings.windowSeconds };
  const versions = [req.stableVersion, req.canaryVersion];
  try {
    // Refusals and evaluations count over the whole step, however late the analysis (at least the window).
    const step = Math.max(req.settings.windowSeconds, req.stepSeconds);
    const [refusals, p95, p50, requests, errors, power, temperature, placed, scored, correct] = await Promise.all([
      source.instant(artifactRefusalsQuery(scope, req.canaryVersion, step)),
      source.instant(latencyQuantileQuery(0.95, scope, versions)),
      source.instant(latencyQuantileQuery(0.5, scope, [req.canaryVersion])),
      source.instant(countQuery("requests", scope, versions)),
      source.instant(countQuery("errors", scope, versions)),
      req.slo?.maxPowerWatts !== undefined ? source.instant(deviceMaxQuery("power", scope, req.canaryVersion)) : [],
      req.slo?.maxTemperatureCelsius !== undefined ? source.instant(deviceMaxQuery("temperature", scope, req.canaryVersion)) : [],
      source.instant(placedNodesQuery(scope, req.canaryVersion)),
      // Queried with or without an accuracy limit: what the devices scored is part of what the analysis records (measured).
      source.instant(evaluationsQuery("evaluations", scope, req.canaryVersion, step)),
      source.instant(evaluationsQuery("evaluations_correct", scope, req.canaryVersion, step)),
    ]);
    const byVersion = (samples: Sample[]) => byClassAndVersion(samples, req);
    return judge(req, {
      p95: byVersion(p95),
      p50: byClass(p50),
      requests: byVersion(requests),
      errors: byVersion(errors),
      power: byClass(power),
      temperature: byClass(temperature),
      refusals: refusalsByClass(refusals),
      placementSeen: placed.some((p) => p.value > 0),
      evaluations: evaluationsByClass(scored, correct),
    });
  } catch (err) {
    return { verdict: "Inconclusive", message: errorMessage(err) };
  }
}

function byClassAndVersion(samples: Sample[], req: AnalysisRequest): ByClass {
  const out: ByClass = new Map();
  for (const { labels, value } of samples) {
    const cls = labels.hardware_class ?? "";
    const track = labels.version === req.canaryVersion ? "canary" : labels.version === req.stableVersion ? "stable" : undefined;
    if (!track || !Number.isFinite(value)) continue;
    out.set(cls, { ...out.get(cls), [track]: value });
  }
  return out;
}

function byClass(samples: Sample[]): Map<string, number> {
  return new Map(samples.filter((s) => Number.isFinite(s.value)).map((s) => [s.labels.hardware_class ?? "", s.value]));
}

function evaluationsByClass(scored: Sample[], correct: Sample[]): NonNullable<Measurements["evaluations"]> {
  const out: NonNullable<Measurements["evaluations"]> = new Map();
  const key = (labels: Record<string, string>) => `${labels.hardware_class ?? ""}\u0000${labels.variant ?? ""}`;
  const right = new Map(correct.map((s) => [key(s.labels), s.value]));
  for (const { labels, value } of scored) {
    if (!(value > 0)) continue;
    const cls = labels.hardware_class ?? "";
    const variants = out.get(cls) ?? new Map<string, { scored: number; correct: number }>();
    variants.set(labels.variant ?? "", { scored: value, correct: right.get(key(labels)) ?? 0 });
    out.set(cls, variants);
  }
  return out;
}

function refusalsByClass(samples: Sample[]): Measurements["refusals"] {
  const out: Measurements["refusals"] = new Map();
  for (const { labels, value } of samples) {
    if (!(value > 0)) continue;
    const cls = labels.hardware_class ?? "";
    const seen = out.get(cls) ?? { nodes: new Set<string>(), reasons: new Set<string>() };
    seen.nodes.add(labels.node ?? "");
    seen.reasons.add(labels.reason ?? "unknown");
    out.set(cls, seen);
  }
  return out;
}

const fmt = (n: number) => (Math.abs(n) >= 100 ? n.toFixed(0) : Number(n.toPrecision(3)).toString());

/**
 * Judges each class with nodes on the new version: no refused artifact (a class whose nodes
 * refused it fails at once, since they never produce the samples waited for), enough samples (else Wait), p95 latency
 * within the SLO and within latencyTolerance of the stable version's, error ratio, the accuracy
 * devices report against each variant's profile (where they report it), and the highest power and
 * temperature within the SLO. A missed limit in any class fails the step,
 * even while another class still waits for samples.
 *
 * A power or temperature limit with no reading from the class's serving nodes, or an accuracy
 * limit on a class whose variant's devices are to score evaluation data but report none, waits while the
 * step is younger than one window (the sensors' first scrape), then makes the analysis
 * Inconclusive: the nodes do not report that quantity, which more waiting does not mend, and the
 * inconclusive count holds the rollout for a person to decide (run the agents with the sensors,
 * restart the runtime pods once their evaluation data is reachable, drop the limit, or promote by hand).
 */
export function judge(req: AnalysisRequest, m: Measurements): AnalysisOutcome {
  const { settings: s, slo } = req;
  const checks: AnalysisCheck[] = [];
  const failures: string[] = [];
  const waiting: string[] = [];
  const unmeasured: string[] = [];
  for (const cls of req.classes) {
    const refused = m.refusals.get(cls);
    checks.push({ name: ARTIFACT_CHECK, hardwareClass: cls, value: refused?.nodes.size ?? 0, threshold: 0, passed: !refused });
    if (refused) {
      failures.push(`${cls}: artifact refused on ${refused.nodes.size} node(s): ${[...refused.reasons].sort().join(", ")}`);
      continue;
    }
    const requests = m.requests.get(cls)?.canary ?? 0;
    const samples: AnalysisCheck = {
      name: "samples",
      hardwareClass: cls,
      value: Math.round(requests),
      threshold: s.minSamples,
      passed: requests >= s.minSamples,
    };
    checks.push(samples);
    if (!samples.passed) {
      waiting.push(`${cls}: ${fmt(requests)} of ${s.minSamples} samples`);
      continue;
    }
    const check = (name: string, value: number | undefined, threshold: number | undefined, what: string, unit: string) => {
      if (value === undefined || threshold === undefined) return;
      const passed = value <= threshold;
      checks.push({ name, hardwareClass: cls, value, threshold, passed });
      if (!passed) failures.push(`${cls}: ${what} ${fmt(value)}${unit} > ${fmt(threshold)}${unit}`);
    };
    const p95 = m.p95.get(cls);
    if (p95?.canary === undefined) {
      // Requests counted but no latency histogram yet (its first rate window): judging latency
      // needs it, and a missing value must never pass as a met limit.
      waiting.push(`${cls}: no p95 latency yet`);
      continue;
    }
    check("latency", p95.canary, slo?.p95LatencySeconds, "p95 latency", "s");
    const stableSamples = m.requests.get(cls)?.stable ?? 0;
    if (p95.stable !== undefined && stableSamples >= s.minSamples) {
      check(
        "latency-vs-stable",
        p95.canary,
        p95.stable * (1 + s.latencyTolerance),
        `p95 latency vs stable ${fmt(p95.stable)}s +${fmt(s.latencyTolerance * 100)}%:`,
        "s",
      );
    }
    check("error-ratio", (m.errors.get(cls)?.canary ?? 0) / requests, s.maxErrorRatio, "error ratio", "");
    // A limit set but not measured must never pass as met: the check is recorded failed, without a
    // value; it waits for the step's first window (the first scrape), then is unmeasured.
    const notMeasured = (name: string, threshold: number, yet: string, why: string) => {
      checks.push({ name, hardwareClass: cls, threshold, passed: false });
      if (req.stepSeconds < s.windowSeconds) waiting.push(`${cls}: ${yet}`);
      else unmeasured.push(`${cls}: ${why}`);
    };
    const maxDrop = slo?.maxAccuracyDropPoints;
    // Judged where the class's devices score evaluations and the variant's profile says what to expect.
    // A class planned on a variant whose devices are to score it but report nothing (its evaluation
    // data was not stored on the nodes, or agents run with --evaluation-samples 0) is not measured.
    const scoredVariant = maxDrop !== undefined ? req.scoredVariants?.get(cls) : undefined;
    if (maxDrop !== undefined && scoredVariant !== undefined && !(m.evaluations?.get(cls)?.get(scoredVariant)?.scored ?? 0))
      notMeasured(
        "accuracy-drop",
        maxDrop,
        `no evaluations of ${scoredVariant} yet`,
        `slo.maxAccuracyDropPoints is ${fmt(maxDrop)} points but its nodes on ${req.canaryVersion} report no evaluations of ${scoredVariant} (its evaluation data not stored: see the runtime pods' verify-artifact log)`,
      );
    for (const [variant, { scored, correct }] of m.evaluations?.get(cls) ?? []) {
      const expected = req.variantAccuracy?.get(variant);
      if (expected === undefined || maxDrop === undefined) continue;
      // As latency: a share of a few answers is noise (one wrong of 8 is 12 points), so it waits for minSamples.
      if (scored < s.minSamples) {
        waiting.push(`${cls}: ${fmt(scored)} of ${s.minSamples} evaluations of ${variant}`);
        continue;
      }
      const accuracy = (100 * correct) / scored;
      check(
        "accuracy-drop",
        expected - accuracy,
        maxDrop,
        `accuracy of ${variant} ${fmt(accuracy)}% on ${fmt(scored)} evaluations is below its profile's ${fmt(expected)}% by`,
        " points",
      );
    }
    const device = (name: DeviceQuantity, value: number | undefined, threshold: number | undefined, limit: string, unit: string) => {
      if (threshold === undefined || value !== undefined) return check(name, value, threshold, `max ${name}`, unit);
      notMeasured(
        name,
        threshold,
        `no ${name} reading yet`,
        `${limit} is ${fmt(threshold)}${unit} but its nodes on ${req.canaryVersion} report no ${name}`,
      );
    };
    device("power", m.power.get(cls), slo?.maxPowerWatts, "slo.maxPowerWatts", "W");
    device("temperature", m.temperature.get(cls), slo?.maxTemperatureCelsius, "slo.maxTemperatureCelsius", "°C");
  }
  const measured = measuredByClass(req, m);
  const recorded = { checks, ...(measured.length ? { measured } : {}) };
  if (failures.length) return { verdict: "Fail", message: failures.join("; "), ...recorded };
  if (unmeasured.length)
    return {
      verdict: "Inconclusive",
      message: `limits set but not measured over ${s.windowSeconds}s: ${unmeasured.join("; ")}`,
      ...recorded,
    };
  if (waiting.length) {
    // Every query keeps only nodes placed per the operator's own series: without them nothing counts.
    const unplaced = m.placementSeen
      ? ""
      : ` (the metrics source has no edgefleet_rollout_assignment series of ${req.canaryVersion} yet, and samples count only from nodes it lists: check that it scrapes the operator's /metrics)`;
    return {
      verdict: "Wait",
      message: `too few samples of ${req.canaryVersion} in the last ${s.windowSeconds}s: ${waiting.join("; ")}${unplaced}`,
      ...recorded,
    };
  }
  if (!req.classes.length) return { verdict: "Wait", message: `no hardware class runs ${req.canaryVersion} yet`, checks };
  const p95s = req.classes.map((c) => `${c} p95 ${fmt(m.p95.get(c)?.canary ?? Number.NaN)}s`);
  return { verdict: "Pass", message: `every limit met (${p95s.join(", ")})`, ...recorded };
}

/**
 * What each class's nodes on the new version measured, limits or not (a class whose nodes answered
 * nothing yet is left out): requests over the window, p50 and p95 latency, and the evaluations
 * they scored over the step with the share answered right, over all the class's variants.
 */
function measuredByClass(req: AnalysisRequest, m: Measurements): ClassMeasurement[] {
  const out: ClassMeasurement[] = [];
  for (const cls of req.classes) {
    const requests = m.requests.get(cls)?.canary ?? 0;
    if (!(requests > 0)) continue;
    const p50 = m.p50?.get(cls);
    const p95 = m.p95.get(cls)?.canary;
    let scored = 0;
    let correct = 0;
    for (const e of m.evaluations?.get(cls)?.values() ?? []) {
      scored += e.scored;
      correct += e.correct;
    }
    out.push({
      hardwareClass: cls,
      requests: Math.round(requests),
      ...(p50 !== undefined ? { p50LatencySeconds: p50 } : {}),
      ...(p95 !== undefined ? { p95LatencySeconds: p95 } : {}),
      ...(scored > 0 ? { evaluations: Math.round(scored), accuracyPercent: Math.min(100, (100 * correct) / scored) } : {}),
    });
  }
  return out;
}
