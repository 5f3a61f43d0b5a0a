// Pure logic of bench/compare.ts: a fresh run's figures against the recorded ones, and the
// BENCHMARKS.md section rendered from a record.
import type { BenchResult, Figure } from "./result.js";

export interface Compared {
  figure: string;
  unit: string;
  recorded: number;
  now: number;
  /** Relative change, (now - recorded) / recorded. */
  change: number;
  noise: number;
  /** steady: within the figure's noise. */
  verdict: "better" | "worse" | "steady";
}

export interface Comparison {
  bench: string;
  compared: Compared[];
  /** Recorded figures the fresh run did not measure (another size, say). */
  notRemeasured: string[];
  /** Figures the fresh run measured that no record holds. */
  unrecorded: string[];
  /** Each setting (BenchResult.settings) the two runs differ in, "NAME: recorded -> now": their figures are not like for like. */
  settingsChanged: string[];
}

/** The settings two runs differ in; one a run does not record reads as "(not recorded)". */
function settingsChanged(recorded: BenchResult, now: BenchResult): string[] {
  const names = [...new Set([...Object.keys(recorded.settings ?? {}), ...Object.keys(now.settings ?? {})])].sort();
  const show = (r: BenchResult, name: string) => {
    const v = r.settings?.[name];
    return v === undefined ? "(not recorded)" : `"${v}"`;
  };
  return names.filter((n) => show(recorded, n) !== show(now, n)).map((n) => `${n}: ${show(recorded, n)} -> ${show(now, n)}`);
}

function relative(recorded: number, now: number): number {
  if (recorded === now) return 0;
  return recorded === 0 ? Math.sign(now - recorded) * Number.POSITIVE_INFINITY : (now - recorded) / Math.abs(recorded);
}

function verdict(f: Figure, change: number): Compared["verdict"] {
  if (Math.abs(change) <= f.noise) return "steady";
  return change < 0 === (f.better === "lower") ? "better" : "worse";
}

/** Each figure both runs measured, judged against the recorded figure's noise. */
export function compareResults(recorded: BenchResult, now: BenchResult): Comparison {
  const fresh = new Map(now.figures.map((f) => [f.name, f]));
  const compared: Compared[] = [];
  const notRemeasured: string[] = [];
  for (const r of recorded.figures) {
    const n = fresh.get(r.name);
    if (!n) {
      notRemeasured.push(r.name);
      continue;
    }
    const change = relative(r.value, n.value);
    compared.push({ figure: r.name, unit: r.unit, recorded: r.value, now: n.value, change, noise: r.noise, verdict: verdict(r, change) });
  }
  const known = new Set(recorded.figures.map((f) => f.name));
  return {
    bench: recorded.bench,
    compared,
    notRemeasured,
    unrecorded: now.figures.filter((f) => !known.has(f.name)).map((f) => f.name),
    settingsChanged: settingsChanged(recorded, now),
  };
}

export function formatValue(value: number): string {
  const digits = Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : 2;
  return value.toLocaleString("en-US", { maximumFractionDigits: digits });
}

const percent = (x: number) => (Number.isFinite(x) ? `${x > 0 ? "+" : ""}${(x * 100).toFixed(0)}%` : x > 0 ? "new (was 0)" : "gone");

/** Settings the runs differ in first; one line per figure that moved past its noise, worse ones first; then what could not be compared. */
export function describeComparison(c: Comparison): string[] {
  const settings = c.settingsChanged.length
    ? [`${c.bench}: run with other settings than the record, so figures they move are not like for like: ${c.settingsChanged.join("; ")}`]
    : [];
  const moved = c.compared
    .filter((x) => x.verdict !== "steady")
    .sort((a, b) => (a.verdict === b.verdict ? 0 : a.verdict === "worse" ? -1 : 1));
  const lines = [
    ...settings,
    ...moved.map(
      (x) =>
        `${c.bench}: ${x.verdict.toUpperCase()} ${x.figure}: ${formatValue(x.recorded)} -> ${formatValue(x.now)} ${x.unit} (${percent(x.change)}, noise ±${(x.noise * 100).toFixed(0)}%)`,
    ),
  ];
  const steady = c.compared.length - moved.length;
  lines.push(`${c.bench}: ${steady} of ${c.compared.length} figures within their noise`);
  if (c.notRemeasured.length) lines.push(`${c.bench}: not re-measured at this size: ${c.notRemeasured.join("; ")}`);
  if (c.unrecorded.length) lines.push(`${c.bench}: measured but never recorded: ${c.unrecorded.join("; ")}`);
  return lines;
}

const open = (bench: string) => `<!-- bench:${bench} -->`;
const close = (bench: string) => `<!-- /bench:${bench} -->`;

const settingsText = (r: BenchResult) =>
  Object.keys(r.settings ?? {}).length
    ? `; settings ${Object.entries(r.settings ?? {})
        .map(([name, value]) => `\`${name}="${value}"\``)
        .join(", ")}`
    : "";

/** The BENCHMARKS.md section of a record: where and when it was measured, and every figure. */
export function renderSection(r: BenchResult): string {
  const lines = [
    open(r.bench),
    `Recorded from \`bench/results/${r.bench}.json\` (\`node --import tsx bench/compare.ts --write-doc\` renders this table): commit \`${r.commit}\`, ${r.date}, ${r.machine}, load average ${r.load.before} before and ${r.load.after} after; arguments \`${r.args.join(" ") || "(defaults)"}\`${settingsText(r)}.`,
    "",
    "| figure | value | unit | better | noise |",
    "| --- | --: | --- | --- | --: |",
    ...r.figures.map((f) => `| ${f.name} | ${formatValue(f.value)} | ${f.unit} | ${f.better} | ±${(f.noise * 100).toFixed(0)}% |`),
    close(r.bench),
  ];
  return lines.join("\n");
}

/** The bench's section of the document as it stands, markers included; undefined when it has none. */
export function docSection(doc: string, bench: string): string | undefined {
  const start = doc.indexOf(open(bench));
  const end = doc.indexOf(close(bench));
  return start < 0 || end < start ? undefined : doc.slice(start, end + close(bench).length);
}

/**
 * A section as a reader sees it: table cells without the padding and dash runs that the repository's
 * formatter (biome) adds to align columns, so a formatted BENCHMARKS.md still matches its record.
 */
export function tableText(section: string): string {
  return section
    .split("\n")
    .map((line) =>
      line.startsWith("|")
        ? line
            .split("|")
            .map((cell) => cell.trim().replace(/^(:?)-+(:?)$/, "$1---$2"))
            .join("|")
        : line,
    )
    .join("\n");
}

/** The document with the bench's section replaced (it must have the markers already). */
export function replaceSection(doc: string, r: BenchResult): string {
  const current = docSection(doc, r.bench);
  if (current === undefined)
    throw new Error(`BENCHMARKS.md has no ${open(r.bench)} ... ${close(r.bench)} section: add the two markers where its table goes`);
  return doc.replace(current, renderSection(r));
}
