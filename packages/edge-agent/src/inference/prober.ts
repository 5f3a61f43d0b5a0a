import type { Agent } from "node:http";
import { type Clock, errorMessage, type Logger, silentLogger, systemClock } from "@edgefleet/kit";
import type { InferenceStats } from "@edgefleet/telemetry";
import { addCounts, addError, addSuccess, type Counts, type CumulativeSnapshot, deltaCounts, emptyCounts } from "./buckets.js";
import { evaluationRequest, predictedClass, sampleCount } from "./evaluation.js";
import type { EvaluationStore } from "./evaluation-store.js";
import { httpRequest, keepAliveAgent } from "./http.js";
import { parseRuntimeMetrics } from "./runtime-metrics.js";
import { parseInputs, syntheticRequest, type TensorMetadata } from "./synthetic.js";
import { type InferenceTarget, targetKey } from "./target.js";

export interface LatencyProberOptions {
  targets?: readonly InferenceTarget[];
  /** Time from the start of one probe round to the start of the next (rounds never overlap). */
  intervalMs: number;
  /** Limit on each HTTP request (default 5 s; a slow target delays the next round, never overlaps it). */
  timeoutMs?: number;
  /**
   * Scoring of targets with evaluation data: each round sends up to samplesPerRound of their labelled
   * samples instead of the synthetic input, and reports how many the runtime answered right.
   */
  evaluation?: { store: EvaluationStore; samplesPerRound: number };
  clock?: Clock;
  log?: Logger;
}

interface TargetState {
  target: InferenceTarget;
  counts: Counts;
  /** Labelled samples answered since the last collect, and how many of them right. */
  scored: { evaluations: number; correct: number };
  /** The next evaluation sample to send: rounds go through the whole set in turn. */
  nextSample: number;
  /** Why this target's evaluation data does not fit its model (logged once); it is then probed synthetically. */
  unfit: string | undefined;
  /** The model's inputs from its metadata; cleared with request. */
  inputs: TensorMetadata[] | undefined;
  /** The synthetic infer body, built from model metadata; cleared after a failure so metadata is read again. */
  request: string | undefined;
  /** The runtime's metrics at the last successful scrape, when the target reads them. */
  snapshot: CumulativeSnapshot | undefined;
  failing: boolean;
}

const DEFAULT_TIMEOUT_MS = 5_000;

/**
 * Measures inference on the node's runtimes through the Open Inference Protocol v2: each round
 * checks every target's model readiness, reads its metadata (once, and again after a failure),
 * sends an infer request with a synthetic input and times it, or, for a target with evaluation data,
 * a few of its labelled samples, and counts the right answers. collect() hands out what was measured
 * since the previous collect, in the telemetry schema's InferenceStats form.
 */
export class LatencyProber {
  private readonly states = new Map<string, TargetState>();
  /** Targets removed before their counts were collected: reported once more, then dropped. */
  private retired: TargetState[] = [];
  private readonly agent: Agent = keepAliveAgent();
  private readonly intervalMs: number;
  private readonly timeoutMs: number;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly evaluation: LatencyProberOptions["evaluation"];
  private cancelTimer: (() => void) | undefined;
  private round: Promise<void> | undefined;
  private stopped = true;

  constructor(options: LatencyProberOptions) {
    if (!(options.intervalMs > 0)) throw new RangeError(`prober intervalMs must be positive, got ${options.intervalMs}`);
    this.intervalMs = options.intervalMs;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.clock = options.clock ?? systemClock;
    this.log = options.log ?? silentLogger;
    this.evaluation = options.evaluation;
    this.setTargets(options.targets ?? []);
  }

  /** Replaces the targets (models come and go); measurements of kept targets carry on. */
  setTargets(targets: readonly InferenceTarget[]): void {
    const next = new Map<string, TargetState>();
    for (const target of targets) {
      const key = targetKey(target);
      next.set(
        key,
        this.states.get(key) ?? {
          target,
          counts: emptyCounts(),
          scored: { evaluations: 0, correct: 0 },
          nextSample: 0,
          unfit: undefined,
          inputs: undefined,
          request: undefined,
          snapshot: undefined,
          failing: false,
        },
      );
    }
    this.evaluation?.store.retain(new Set(targets.flatMap((t) => (t.evaluation ? [t.evaluation.sha256] : []))));
    for (const [key, state] of this.states) if (!next.has(key) && state.counts.requests > 0) this.retired.push(state);
    this.states.clear();
    for (const [key, state] of next) this.states.set(key, state);
  }

  /** Resolves once the round in flight, if any, has ended: targets setTargets removed are no longer probed. */
  async settled(): Promise<void> {
    await this.round;
  }

  /** Probes now and then every intervalMs until stop(). */
  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.cancelTimer = this.clock.setTimer(() => void this.tick(), 0);
  }

  /** Stops the loop and waits for a round in flight; collect() still returns what it measured. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.cancelTimer?.();
    this.cancelTimer = undefined;
    await this.round;
    this.agent.destroy();
  }

  /** One round over every target; never rejects. */
  probeAll(): Promise<void> {
    this.round ??= Promise.all([...this.states.values()].map((s) => this.probe(s))).then(
      () => {
        this.round = undefined;
      },
      (err: unknown) => {
        this.round = undefined;
        this.log.error("probe round failed", { error: String(err) });
      },
    );
    return this.round;
  }

  /** Per-target deltas since the previous collect (targets with nothing measured are left out). */
  collect(): InferenceStats[] {
    const out: InferenceStats[] = [];
    for (const state of [...this.retired, ...this.states.values()]) {
      if (state.counts.requests === 0) continue;
      const { namespace, model, version, variant, runtime } = state.target;
      const { evaluations, correct } = state.scored;
      out.push({
        namespace,
        model,
        version,
        variant,
        runtime,
        ...state.counts,
        ...(evaluations ? { evaluations, evaluationsCorrect: correct } : {}),
      });
      state.counts = emptyCounts();
      state.scored = { evaluations: 0, correct: 0 };
    }
    this.retired = [];
    return out;
  }

  private async tick(): Promise<void> {
    const started = this.clock.now();
    await this.probeAll();
    if (!this.stopped)
      this.cancelTimer = this.clock.setTimer(() => void this.tick(), Math.max(0, this.intervalMs - (this.clock.now() - started)));
  }

  private async call(url: string, body?: string): Promise<string> {
    const answer = await httpRequest(this.agent, url, this.timeoutMs, body);
    if (answer.status !== 200)
      throw new Error(`${body === undefined ? "GET" : "POST"} ${url}: ${answer.status} ${answer.body.slice(0, 200)}`);
    return answer.body;
  }

  private async probe(state: TargetState): Promise<void> {
    const { target } = state;
    const base = `${target.baseUrl}/v2/models/${encodeURIComponent(target.model)}/versions/${encodeURIComponent(target.servedVersion ?? target.version)}`;
    const measured = emptyCounts();
    try {
      await this.call(`${base}/ready`);
      state.inputs ??= parseInputs(JSON.parse(await this.call(base)));
      state.request ??= syntheticRequest(state.inputs);
      // A baseline before the first request, so that request too is counted with the runtime's own
      // timing: the round trip stands in only when the runtime's metrics cannot be read.
      if (target.runtimeMetrics && !state.snapshot) state.snapshot = await this.scrape(target);
      const labelled = this.labelled(state, state.inputs);
      if (labelled.length === 0) await this.timed(measured, `${base}/infer`, state.request);
      for (const { body, label } of labelled) {
        const answer = await this.timed(measured, `${base}/infer`, body);
        state.scored.evaluations++;
        if (predictedClass(JSON.parse(answer)) === label) state.scored.correct++;
      }
      if (state.failing) this.log.info("inference probe recovered", { url: base });
      state.failing = false;
    } catch (err) {
      addError(measured);
      state.request = undefined;
      state.inputs = undefined;
      if (!state.failing) this.log.warn("inference probe failed", { url: base, error: errorMessage(err) });
      state.failing = true;
    }
    addCounts(state.counts, target.runtimeMetrics ? await this.runtimeCounts(state, measured) : measured);
  }

  /** One infer request, its round trip counted a success; the answer's body. */
  private async timed(measured: Counts, url: string, body: string): Promise<string> {
    const start = this.clock.now();
    const answer = await this.call(url, body);
    addSuccess(measured, (this.clock.now() - start) / 1000);
    return answer;
  }

  /**
   * This round's labelled requests for a target with evaluation data that is loaded and fits its
   * model: the next samplesPerRound samples of the set, in turn. None otherwise (the synthetic input
   * stands in), and data that does not fit the model is said once.
   */
  private labelled(state: TargetState, inputs: readonly TensorMetadata[]): { body: string; label: number }[] {
    const { evaluation } = state.target;
    const set = evaluation && this.evaluation ? this.evaluation.store.get(evaluation) : undefined;
    if (!set || !this.evaluation || state.unfit !== undefined) return [];
    const out = [];
    const count = Math.min(this.evaluation.samplesPerRound, sampleCount(set));
    try {
      for (let i = 0; i < count; i++) {
        const index = (state.nextSample + i) % sampleCount(set);
        out.push({ body: evaluationRequest(inputs, set, index), label: set.labels[index] ?? -1 });
      }
    } catch (err) {
      state.unfit = errorMessage(err);
      this.log.warn("evaluation data does not fit the model; probing with synthetic inputs", {
        model: state.target.model,
        version: state.target.version,
        uri: evaluation?.uri,
        error: state.unfit,
      });
      return [];
    }
    state.nextSample = (state.nextSample + count) % sampleCount(set);
    return out;
  }

  /**
   * The runtime's own counts since the previous scrape (they include this probe). Without a previous
   * scrape to subtract (the runtime's metrics were unreadable), the probe's measurement stands in,
   * and the scrape becomes the baseline.
   */
  private async runtimeCounts(state: TargetState, probe: Counts): Promise<Counts> {
    const snapshot = await this.scrape(state.target);
    const previous = state.snapshot;
    state.snapshot = snapshot;
    return snapshot && previous ? deltaCounts(previous, snapshot) : probe;
  }

  private async scrape(target: InferenceTarget): Promise<CumulativeSnapshot | undefined> {
    try {
      return parseRuntimeMetrics(await this.call(`${target.baseUrl}/metrics`), target.model, target.version);
    } catch (err) {
      this.log.debug("runtime metrics unavailable", { url: target.baseUrl, error: String(err) });
      return undefined;
    }
  }
}
