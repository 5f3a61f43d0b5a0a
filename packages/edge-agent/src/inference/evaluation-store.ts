import { createHash } from "node:crypto";
import { type Clock, type Logger, silentLogger, systemClock } from "@edgefleet/kit";
import type { AssignedEvaluation } from "@edgefleet/telemetry";
import { createFetcher, type FetcherOptions } from "../artifacts/fetchers.js";
import { MemorySink } from "../artifacts/memory-sink.js";
import { type EvaluationSet, parseEvaluation } from "./evaluation.js";

/** Downloads evaluation data, at most maxBytes of it; the store checks the digest. */
export type EvaluationDownload = (evaluation: AssignedEvaluation, maxBytes: number) => Promise<Uint8Array>;

/** The agent's artifact fetchers (https://, oci://: the same TLS trust, retries and registry credentials) into memory, bounded. */
export function downloadEvaluation(fetchers: FetcherOptions = {}): EvaluationDownload {
  return async ({ uri, sha256 }, maxBytes) => {
    const sink = new MemorySink(maxBytes);
    try {
      // sha256 chooses an OCI artifact's layer, as for a model file.
      await createFetcher(uri, fetchers).fetch({ uri, sink, sha256 });
    } catch (err) {
      if (sink.tooLarge) throw new Error(`larger than the ${maxBytes} bytes allowed (--evaluation-max-bytes)`);
      throw err;
    }
    return sink.bytes();
  };
}

export interface EvaluationStoreOptions {
  readonly download: EvaluationDownload;
  /** The most bytes one evaluation file may have, downloaded or inflated. */
  readonly maxBytes: number;
  /** After a failed download or a file that does not verify or parse, the wait before trying again. */
  readonly retryMs?: number;
  /** Counts a download that failed, or data that did not verify or parse. */
  readonly failed?: () => void;
  readonly clock?: Clock;
  readonly log?: Logger;
}

type Entry = { state: "loading" } | { state: "ready"; set: EvaluationSet } | { state: "failed"; retryAt: number };

const DEFAULT_RETRY_MS = 5 * 60_000;

/**
 * Each evaluation's labelled samples, downloaded once per digest and kept parsed in memory while a
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

  /** The samples, once downloaded and verified; until then undefined, and a download is started when none is running or due. */
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
      const bytes = await this.options.download(evaluation, this.options.maxBytes);
      const actual = createHash("sha256").update(bytes).digest("hex");
      if (actual !== sha256) throw new Error(`sha256 is ${actual}, the assignment says ${sha256}`);
      const set = parseEvaluation(bytes, uri, this.options.maxBytes);
      this.log.info("evaluation data loaded", { uri, samples: set.labels.length });
      entry = { state: "ready", set };
    } catch (err) {
      this.options.failed?.();
      this.log.warn("evaluation data refused; probing with synthetic inputs", {
        uri,
        error: err instanceof Error ? err.message : String(err),
        retryInSeconds: this.retryMs / 1000,
      });
      entry = { state: "failed", retryAt: this.clock.now() + this.retryMs };
    }
    // Unless retain() dropped it meanwhile: no target uses it any more.
    if (this.entries.get(sha256)?.state === "loading") this.entries.set(sha256, entry);
  }
}
