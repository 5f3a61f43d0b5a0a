// Re-runs the benchmarks at a short size and compares each figure with the recorded one in
// bench/results/<bench>.json, naming every figure that moved by more than its noise. A benchmark,
// not a test: the machine's load moves the figures, so it is not in CI.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { command, optionsOrExitCode } from "@edgefleet/kit";
import { compareResults, describeComparison, replaceSection } from "./comparison.js";
import type { BenchResult } from "./result.js";

/**
 * Each bench's short run. The interface every bench keeps: `--result PATH` writes a BenchResult
 * (bench/result.ts) whose figures, at this size, carry the same names as the recorded run's.
 */
const SHORT_RUNS = {
  operator: ["bench/operator.ts", "--models", "1000"],
  gateway: ["bench/gateway.ts", "--messages", "10000", "--series", "20000", "--scrapes", "5"],
  runtime: ["bench/runtime.ts", "--requests", "500", "--rounds", "5", "--warmup", "100"],
  openvino: ["bench/openvino.ts", "--requests", "300", "--rounds", "3", "--warmup", "50"],
  spool: ["bench/spool.ts", "--messages", "10000", "--synced", "500"],
  rollout: ["bench/rollout.ts", "--healthy", "1", "--slow", "1"],
} as const;
type Bench = keyof typeof SHORT_RUNS;
const BENCHES = Object.keys(SHORT_RUNS) as Bench[];

const CLI = command({
  usage: "node --import tsx bench/compare.ts [--benches LIST] [--results DIR] [--write-doc]",
  about: `Re-runs each benchmark at a short size (bench/compare.ts lists the arguments) and compares
every figure with the one recorded in DIR/<bench>.json, naming each that moved by more than its
noise, worse ones first. Exits 1 when a figure got worse or a bench failed. Run it on an idle
machine: other load moves the figures. To record a bench, run it with --result DIR/<bench>.json
at its full size, then --write-doc.`,
  flags: {
    benches: { type: "list", of: BENCHES, default: BENCHES.join(","), help: "the benches to re-run" },
    results: { type: "string", arg: "DIR", nonEmpty: true, default: "bench/results", help: "where the recorded results are" },
    "write-doc": {
      type: "switch",
      help: "run nothing: render BENCHMARKS.md's <!-- bench:NAME --> sections from every result recorded in --results",
    },
  },
});

function readResult(path: string): BenchResult | undefined {
  return existsSync(path) ? (JSON.parse(readFileSync(path, "utf8")) as BenchResult) : undefined;
}

/** Every result recorded in DIR into its section: those of benches too long to re-run short (federated) too. */
function writeDoc(dir: string): void {
  let doc = readFileSync("BENCHMARKS.md", "utf8");
  for (const file of readdirSync(dir).filter((f) => f.endsWith(".json"))) {
    const recorded = readResult(join(dir, file));
    if (recorded) doc = replaceSection(doc, recorded);
  }
  writeFileSync("BENCHMARKS.md", doc);
}

/** Runs one bench short and compares; the lines to print and whether it held. */
function compareBench(bench: Bench, dir: string, scratch: string): { lines: string[]; held: boolean } {
  const recorded = readResult(join(dir, `${bench}.json`));
  if (!recorded) {
    return { lines: [`${bench}: nothing recorded in ${dir}/${bench}.json: run it at full size with --result there`], held: true };
  }
  const out = join(scratch, `${bench}.json`);
  const [script, ...args] = SHORT_RUNS[bench];
  console.error(`\n== ${bench}: node --import tsx ${script} ${args.join(" ")} --result ${out}`);
  const run = spawnSync(process.execPath, ["--import", "tsx", script, ...args, "--result", out], {
    stdio: ["ignore", "inherit", "inherit"],
  });
  const now = readResult(out);
  if (run.status !== 0 || !now) {
    const why = run.status !== 0 ? `exited ${run.status ?? run.signal}` : "wrote no result: it must take --result PATH (bench/result.ts)";
    return { lines: [`${bench}: FAILED: ${script} ${why}`], held: false };
  }
  const comparison = compareResults(recorded, now);
  return {
    lines: [
      `${bench}: recorded at ${recorded.commit} (load ${recorded.load.before}), now ${now.commit} (load ${now.load.before})`,
      ...describeComparison(comparison),
    ],
    held: comparison.compared.every((c) => c.verdict !== "worse"),
  };
}

async function main(argv: string[]): Promise<number> {
  const opts = await optionsOrExitCode(CLI.help, () => CLI.parse(argv, (v) => v));
  if (typeof opts === "number") return opts;
  if (opts["write-doc"]) {
    writeDoc(opts.results);
    return 0;
  }
  const scratch = mkdtempSync(join(tmpdir(), "edgefleet-bench-compare-"));
  const report: string[] = [];
  let held = true;
  try {
    for (const bench of opts.benches) {
      const r = compareBench(bench, opts.results, scratch);
      report.push(...r.lines);
      held &&= r.held;
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  console.log(`\n${report.join("\n")}`);
  return held ? 0 : 1;
}

process.exitCode = await main(process.argv.slice(2));
