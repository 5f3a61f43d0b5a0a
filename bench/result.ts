// What a benchmark run measured, as JSON: the machine-readable record bench/compare.ts re-measures
// against. bench/results/<bench>.json holds the recorded run; BENCHMARKS.md's section of each
// bench between <!-- bench:NAME --> markers is rendered from it (bench/compare.ts --write-doc), and
// a unit test fails when the two disagree.
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, loadavg, totalmem } from "node:os";
import { dirname } from "node:path";
import { kubeTime } from "@edgefleet/kube";

export interface Figure {
  /** Unique in its bench and independent of the run's size unless it names the size ("1,000 models: ..."). */
  name: string;
  value: number;
  unit: string;
  /** Which way is an improvement. */
  better: "lower" | "higher";
  /** How far (relative, 0.2 = 20%) the figure moves between runs with nothing changed: moves within it are noise. */
  noise: number;
}

export interface BenchResult {
  bench: string;
  /** git describe of the tree measured, "-dirty" when it had changes. */
  commit: string;
  date: string;
  machine: string;
  /** 1-minute load average before and after the run: the machine may have been shared. */
  load: { before: number; after: number };
  args: string[];
  /**
   * What the measured program ran with beyond the bench's arguments that moves the figures (the
   * operator's NODE_OPTIONS); absent when nothing does.
   */
  settings?: Record<string, string>;
  figures: Figure[];
}

function commit(): string {
  try {
    return execFileSync("git", ["describe", "--always", "--dirty"], { encoding: "utf8" }).trim();
  } catch {
    return "unknown";
  }
}

// When the bench starts, not when it ends: a long run's tree may change meanwhile.
const MEASURED = commit();

/** The run's record, stamped with the commit, machine and load; loadBefore is loadavg()[0] at the start. */
export function benchResult(bench: string, loadBefore: number, figures: Figure[], settings?: Record<string, string>): BenchResult {
  return {
    bench,
    commit: MEASURED,
    date: kubeTime(new Date()),
    machine: `${cpus().length} x ${cpus()[0]?.model ?? "?"}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}`,
    load: { before: Number(loadBefore.toFixed(2)), after: Number((loadavg()[0] ?? 0).toFixed(2)) },
    args: process.argv.slice(2),
    ...(settings === undefined ? {} : { settings }),
    figures,
  };
}

/** Writes the record where --result asked (nothing without it). */
export function writeResult(path: string | undefined, result: BenchResult): void {
  if (!path) return;
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(result, null, 2)}\n`);
}
