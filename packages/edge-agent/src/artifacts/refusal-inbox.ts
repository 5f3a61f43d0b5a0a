import { randomBytes } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Logger } from "@edgefleet/kit";
import { ARTIFACT_FAILURE_REASONS, type ArtifactFailures } from "@edgefleet/telemetry";
import type { ArtifactRefusal } from "./refusal.js";
import { FailureReporter, type RefusedArtifact } from "./reporter.js";

/**
 * Refusals made outside the agent process (the verify-artifact init containers of runtime pods)
 * reach telemetry through this directory of the node's cache: one file per refusal, written under
 * a temporary name and renamed, so a reader never sees half a record and writers never need a lock.
 */
export const REFUSALS_DIR = "refusals";
const SUFFIX = ".json";

export interface RefusalRecord extends RefusedArtifact {
  reason: ArtifactFailures["reason"];
  detail: string;
  ts: string;
}

let written = 0;

/** Leaves a refusal for the agent to report. */
export function writeRefusal(cacheRoot: string, artifact: RefusedArtifact, refusal: ArtifactRefusal, now = new Date()): void {
  const dir = join(cacheRoot, REFUSALS_DIR);
  mkdirSync(dir, { recursive: true });
  const record: RefusalRecord = { ...artifact, reason: refusal.reason, detail: refusal.message, ts: now.toISOString() };
  // Sorted names are arrival order: time, then this process's own sequence within a millisecond.
  const name = `${now.getTime()}-${process.pid}-${String(written++).padStart(8, "0")}-${randomBytes(4).toString("hex")}`;
  writeFileSync(join(dir, `${name}.tmp`), JSON.stringify(record));
  renameSync(join(dir, `${name}.tmp`), join(dir, name + SUFFIX));
}

function parseRecord(text: string): RefusalRecord | undefined {
  const r = JSON.parse(text) as Partial<RefusalRecord>;
  const strings = [r.namespace, r.model, r.version, r.detail].every((v) => typeof v === "string");
  return strings && (ARTIFACT_FAILURE_REASONS as readonly unknown[]).includes(r.reason) ? (r as RefusalRecord) : undefined;
}

/**
 * The agent's ArtifactSource for those files: each take moves the files found into counts (deleting
 * them, so each refusal is reported once) and hands out at most `max`, keeping the rest for the next
 * message. A file that is not a refusal record is deleted and counted in `malformed`.
 */
export class RefusalInbox {
  private readonly reporter: FailureReporter;
  malformed = 0;

  constructor(
    private readonly cacheRoot: string,
    private readonly log: Logger,
    /** Files read per take, so a flood costs one interval a bounded amount of work. */
    private readonly maxFiles = 1000,
  ) {
    this.reporter = new FailureReporter(log);
  }

  take(max: number): ArtifactFailures[] {
    const dir = join(this.cacheRoot, REFUSALS_DIR);
    let names: string[];
    try {
      names = readdirSync(dir).filter((n) => n.endsWith(SUFFIX));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
      names = [];
    }
    for (const name of names.sort().slice(0, this.maxFiles)) {
      const path = join(dir, name);
      let record: RefusalRecord | undefined;
      try {
        record = parseRecord(readFileSync(path, "utf8"));
      } catch {
        record = undefined;
      }
      rmSync(path, { force: true });
      if (!record) {
        this.malformed++;
        this.log.warn("artifact refusal file is not a refusal record; deleted", { file: path, malformed: this.malformed });
        continue;
      }
      const { namespace, model, version, reason } = record;
      this.reporter.restore([{ namespace, model, version, reason, count: 1 }]);
    }
    return this.reporter.take(max);
  }
}
