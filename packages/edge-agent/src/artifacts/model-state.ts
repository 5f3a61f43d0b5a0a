import { closeSync, fsyncSync, openSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { syncDir } from "../spool/ack-file.js";

/** One installed version of a model and the blob that holds it. */
export interface VersionEntry {
  version: string;
  sha256: string;
  sizeBytes: number;
  /** The blob of the variant's evaluation data, pinned with the version's (it may not be in the cache yet). */
  evaluationSha256?: string;
  /** Wall-clock ms when it last became active. */
  activatedAt: number;
}

/** What a node serves for one model, and what it can go back to without a download. */
export interface ModelState {
  active: VersionEntry;
  previous: VersionEntry | null;
}

export const TMP_SUFFIX = ".tmp";

function isEntry(value: unknown): value is VersionEntry {
  const v = value as Partial<VersionEntry> | null;
  return (
    typeof v === "object" &&
    v !== null &&
    typeof v.version === "string" &&
    typeof v.sha256 === "string" &&
    /^[a-f0-9]{64}$/.test(v.sha256) &&
    Number.isSafeInteger(v.sizeBytes) &&
    (v.evaluationSha256 === undefined || (typeof v.evaluationSha256 === "string" && /^[a-f0-9]{64}$/.test(v.evaluationSha256))) &&
    typeof v.activatedAt === "number"
  );
}

/** undefined when the model was never installed. */
export function readModelState(path: string): ModelState | undefined {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
  const state = JSON.parse(text) as Partial<ModelState>;
  if (!isEntry(state.active) || !(state.previous === null || isEntry(state.previous))) {
    throw new Error(`artifact cache state ${path} is not a model state; remove it to reinstall the model`);
  }
  return { active: state.active, previous: state.previous };
}

/**
 * Replaces the state in one step: a temporary file, fsynced, renamed over the old one, and the
 * directory fsynced so the rename itself survives a power cut. A crash leaves the old state or the
 * new one, never a mix.
 */
export function writeModelState(path: string, state: ModelState): void {
  const tmp = path + TMP_SUFFIX;
  const fd = openSync(tmp, "w");
  try {
    writeFileSync(fd, `${JSON.stringify(state)}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
  syncDir(dirname(path));
}

/** The state after making `entry` active: the old active becomes the previous one. */
export function nextState(current: ModelState | undefined, entry: VersionEntry): ModelState {
  if (current === undefined) return { active: entry, previous: null };
  if (current.active.version === entry.version && current.active.sha256 === entry.sha256)
    // The same version, its evaluation data changed (or newly named): updated in place.
    return current.active.evaluationSha256 === entry.evaluationSha256
      ? current
      : { active: { ...entry, activatedAt: current.active.activatedAt }, previous: current.previous };
  return { active: entry, previous: current.active };
}

/** Active and previous swapped; undefined when there is nothing to go back to. */
export function rolledBack(current: ModelState | undefined, now: number): ModelState | undefined {
  if (current?.previous == null) return undefined;
  return { active: { ...current.previous, activatedAt: now }, previous: current.active };
}
