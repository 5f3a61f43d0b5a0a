import { readFileSync } from "node:fs";
import { type ExportedMetric, exportedFamilies, seriesNames } from "./exported.js";
import { dashboardFiles, RUNBOOKS, type RuleFile, ruleFiles } from "./load.js";
import { parsePromQL } from "./promql.js";
import { dashboardQueries } from "./queries.js";

/*
 * The kit's lint: every name a rule or dashboard reads must be exported by the project (or be a
 * recording rule of the kit, or a series Prometheus makes itself), and every exported name and
 * recording rule must follow Prometheus' naming conventions.
 */

export interface KitInput {
  readonly families: readonly ExportedMetric[];
  readonly rules: readonly RuleFile[];
  /** Dashboard file name to its JSON model. */
  readonly dashboards: Readonly<Record<string, unknown>>;
  /** docs/runbooks.md, for the alerts' runbook anchors. */
  readonly runbooks: string;
}

/** Series Prometheus writes itself: scrape health and alert state. */
const PROMETHEUS_SERIES = new Set([
  "up",
  "ALERTS",
  "ALERTS_FOR_STATE",
  "scrape_duration_seconds",
  "scrape_samples_scraped",
  "scrape_samples_post_metric_relabeling",
  "scrape_series_added",
]);

/** Families that carry another project's names on purpose (controller-runtime, client-go, prom-client defaults). */
const FOREIGN_PREFIXES = ["controller_runtime_", "workqueue_", "process_", "nodejs_"];

const NON_BASE_UNITS =
  /_(milliseconds|microseconds|nanoseconds|ms|us|minutes|hours|days|kilobytes|megabytes|gigabytes|kb|mb|gb|kib|mib|percent|millivolts|milliamps|milliwatts|kilowatts|fahrenheit|kelvin|watt|joule|second|byte)(_|$)/;

/** Naming problems of one exported family, by Prometheus' conventions and the project's rules. */
export function familyProblems({ family, type }: ExportedMetric): string[] {
  if (FOREIGN_PREFIXES.some((p) => family.startsWith(p))) return [];
  const problems: string[] = [];
  const says = (why: string) => problems.push(`${family}: ${why}`);
  if (!/^edgefleet_[a-z0-9]+(_[a-z0-9]+)*$/.test(family)) says("must be lowercase snake_case starting with edgefleet_");
  if (type === "counter" && !family.endsWith("_total")) says("a counter's name ends in _total");
  if (type !== "counter" && family.endsWith("_total")) says(`a ${type} must not end in _total (that suffix means a counter)`);
  const unit = NON_BASE_UNITS.exec(family);
  if (unit) says(`unit ${unit[1]} is not a base unit (seconds, bytes, celsius, watts, joules, ratio)`);
  if (/temperature/.test(family) && !family.endsWith("_celsius")) says("a temperature ends in _celsius");
  if (/(^|_)power(_|$)/.test(family) && !family.endsWith("_watts")) says("a power ends in _watts");
  if (/(^|_)energy(_|$)/.test(family) && !family.endsWith("_joules_total")) says("an energy counter ends in _joules_total");
  if (/(^|_)(duration|latency)(_|$)/.test(family) && !family.endsWith("_seconds")) says("a duration ends in _seconds");
  if (type === "histogram" && !/_(seconds|bytes)$/.test(family)) says("a histogram's name ends in its unit (_seconds, _bytes)");
  return problems;
}

/** A recording rule's name is level:metric:operations, its metric part one of the project's. */
function recordingProblems(name: string): string[] {
  const parts = /^([a-z][a-z0-9_]*):([a-z][a-z0-9_]*):([a-z0-9][a-z0-9_]*)$/.exec(name);
  if (!parts) return [`recording rule ${name}: name it level:metric:operations (https://prometheus.io/docs/practices/rules/)`];
  return parts[2]?.startsWith("edgefleet_") ? [] : [`recording rule ${name}: its metric part must start with edgefleet_`];
}

function alertProblems(rule: RuleFile["groups"][number]["rules"][number], runbookAnchors: Set<string>): string[] {
  const name = rule.alert ?? "";
  const problems: string[] = [];
  const says = (why: string) => problems.push(`alert ${name}: ${why}`);
  if (!/^Edgefleet[A-Z][A-Za-z0-9]*$/.test(name)) says("name it EdgefleetSomething (UpperCamelCase)");
  if (!["warning", "critical"].includes(rule.labels?.severity ?? "")) says("labels.severity must be warning or critical");
  for (const a of ["summary", "description", "runbook_url"]) if (!rule.annotations?.[a]) says(`annotations.${a} is missing`);
  const anchor = name.toLowerCase();
  const url = rule.annotations?.runbook_url;
  if (url !== undefined && url !== `docs/runbooks.md#${anchor}`) says(`runbook_url must be docs/runbooks.md#${anchor}`);
  if (!runbookAnchors.has(anchor)) says(`docs/runbooks.md has no section "## ${name}"`);
  return problems;
}

/** GitHub's anchors for the markdown headings of a document. */
export function headingAnchors(markdown: string): Set<string> {
  const anchors = new Set<string>();
  for (const m of markdown.matchAll(/^#{1,6}\s+(.+)$/gm))
    anchors.add(
      (m[1] ?? "")
        .trim()
        .toLowerCase()
        .replace(/[^\w\- ]/g, "")
        .replace(/ /g, "-"),
    );
  return anchors;
}

export function lintKit(input: KitInput): string[] {
  const problems = input.families.flatMap(familyProblems);
  const rules = input.rules.flatMap((f) => f.groups.flatMap((g) => g.rules.map((rule) => ({ file: f.name, rule }))));
  const recorded = new Set(rules.flatMap(({ rule }) => (rule.record ? [rule.record] : [])));
  for (const name of recorded) problems.push(...recordingProblems(name));
  const known = new Set([...seriesNames(input.families), ...recorded, ...PROMETHEUS_SERIES]);
  const check = (where: string, expr: string) => {
    const parsed = parsePromQL(expr);
    for (const e of parsed.errors) problems.push(`${where}: ${e} in ${expr}`);
    for (const m of parsed.metrics) if (!known.has(m)) problems.push(`${where}: ${m} is not a metric the project exports`);
  };
  const anchors = headingAnchors(input.runbooks);
  for (const { file, rule } of rules) {
    check(`rules/${file} ${rule.alert ?? rule.record}`, rule.expr);
    if (rule.alert) problems.push(...alertProblems(rule, anchors));
  }
  for (const [file, model] of Object.entries(input.dashboards)) {
    for (const q of dashboardQueries(file, model)) check(`grafana/${file} ${q.where}`, q.expr);
  }
  return problems;
}

/** The kit as it is in the repository. */
export function kitInput(): KitInput {
  const dashboards = Object.fromEntries(Object.entries(dashboardFiles()).map(([file, text]) => [file, JSON.parse(text) as unknown]));
  return { families: exportedFamilies(), rules: ruleFiles(), dashboards, runbooks: readFileSync(RUNBOOKS, "utf8") };
}
