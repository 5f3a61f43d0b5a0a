import { createHash } from "node:crypto";
import { readFile, stat } from "node:fs/promises";
import { type Clock, errorMessage, type Logger, silentLogger, systemClock } from "@edgefleet/kit";
import type { AssignedEvaluation } from "@edgefleet/telemetry";
import { blobPath } from "../artifacts/cache.js";
import { type EvaluationSet, parseEvaluation } from "./evaluation.js";

/** Reads evaluation data, at most maxBytes of it; the store checks the digest. */
export type EvaluationSource = (evaluation: AssignedEvaluation, maxBytes: number) => Promise<Uint8Array>;

/**
 * The node's artifact cache, where the artifact installer (a runtime pod's verify-artifact init
 * container, the simulator's installer) stores a variant's evaluation data by digest: fetched with
 * the model's registry credentials and CA bundle, which the agent does not hold.
 */
export function cachedEvaluation(cacheRoot: string): EvaluationSource {
  return async ({ sha256 }, maxBytes) => {
    const path = blobPath(cacheRoot, sha256);
    const size = (await stat(path).catch(() => undefined))?.size;
    if (size === undefined)
      throw new Error(`not in the node's artifact cache (${path}) yet: the runtime's artifact install logs why it did not store it`);
    if (size > maxBytes) throw new Error(`${path} has ${size} bytes, more than --evaluation-max-bytes (${maxBytes})`);
    return readFile(path);
  };
}

export interface EvaluationStoreOptions {
  readonly read: EvaluationSource;
  /** The most bytes one evaluation file may have, read or inflated. */
  readonly maxBytes: number;
  /** After data that is missing, does not verify or does not parse, the wait before reading again. */
  readonly retryMs?: number;
  /** Counts data that was missing, or did not verify or parse. */
  readonly failed?: () => void;
  readonly clock?: Clock;
  readonly log?: Logger;
}

type Entry = { state: "loading" } | { state: "ready"; set: EvaluationSet } | { state: "failed"; retryAt: number };

/** A local read, so soon: the runtime's install may store the data just after the agent first looks. */
const DEFAULT_RETRY_MS = 60_000;

/**
 * Each evaluation's labelled samples, read once per digest and kept parsed in memory while a
 * target uses it. Bytes that do not match the sha256 the operator assigned are never parsed, let
 * alone scored: a failure is logged, counted and tried again after retryMs, the probes carry on
 * with synthetic inputs meanwhile.
 */
export class EvaluationStore {
  private readonly entries = new Map<string, Entry>();
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly retryMs: number;

  constructor(private readonly options: EvaluationStoreOptions) {
    this.clock = options.clock ?? systemClock;
    this.log = options.log ?? silentLogger;
    this.retryMs = options.retryMs ?? DEFAULT_RETRY_MS;
  }

  /** The samples, once read and verified; until then undefined, and a read is started when none is running or due. */
  get(evaluation: AssignedEvaluation): EvaluationSet | undefined {
    const entry = this.entries.get(evaluation.sha256);
    if (entry?.state === "ready") return entry.set;
    if (entry?.state === "loading" || (entry?.state === "failed" && this.clock.now() < entry.retryAt)) return undefined;
    this.entries.set(evaluation.sha256, { state: "loading" });
    void this.load(evaluation);
    return undefined;
  }

  /** Forgets the evaluations no target uses any more (by digest). */
  retain(sha256s: ReadonlySet<string>): void {
    for (const key of this.entries.keys()) if (!sha256s.has(key)) this.entries.delete(key);
  }

  private async load(evaluation: AssignedEvaluation): Promise<void> {
    const { uri, sha256 } = evaluation;
    let entry: Entry;
    try {
      const bytes = await this.options.read(evaluation, this.options.maxBytes);
      const actual = createHash("sha256").update(bytes).digest("hex");
      if (actual !== sha256) throw new Error(`sha256 is ${actual}, the assignment says ${sha256}`);
      const set = parseEvaluation(bytes, uri, this.options.maxBytes);
      this.log.info("evaluation data loaded", { uri, samples: set.labels.length });
      entry = { state: "ready", set };
    } catch (err) {
      this.options.failed?.();
      this.log.warn("evaluation data refused; probing with synthetic inputs", {
        uri,
        error: errorMessage(err),
        retryInSeconds: this.retryMs / 1000,
      });
      entry = { state: "failed", retryAt: this.clock.now() + this.retryMs };
    }
    // Unless retain() dropped it meanwhile: no target uses it any more.
    if (this.entries.get(sha256)?.state === "loading") this.entries.set(sha256, entry);
  }
}
