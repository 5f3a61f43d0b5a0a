import { readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";

/*
 * The kit's files as data, for everything that ships or checks them: the Pulumi program deploys
 * what these return, the tests check the same files.
 */

const root = dirname(fileURLToPath(import.meta.url));
export const KIT_DIRS = { rules: join(root, "rules"), tests: join(root, "tests"), grafana: join(root, "grafana") } as const;
/** What to do for each alert; every alert's runbook_url points at a section of it. */
export const RUNBOOKS = join(root, "..", "docs", "runbooks.md");

export interface Rule {
  readonly alert?: string;
  readonly record?: string;
  readonly expr: string;
  readonly for?: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly annotations?: Readonly<Record<string, string>>;
}

export interface RuleGroup {
  readonly name: string;
  readonly interval?: string;
  readonly rules: readonly Rule[];
}

export interface RuleFile {
  /** File name under dashboards/rules/. */
  readonly name: string;
  readonly path: string;
  readonly groups: readonly RuleGroup[];
}

const filesIn = (dir: string, ext: RegExp) =>
  readdirSync(dir)
    .filter((f) => ext.test(f))
    .sort();

function ruleFile(dir: string, name: string): RuleFile {
  const path = join(dir, name);
  const doc = parse(readFileSync(path, "utf8")) as { groups?: unknown };
  if (!Array.isArray(doc?.groups)) throw new Error(`${path}: no "groups" list; a Prometheus rule file is { groups: [{ name, rules }] }`);
  for (const [i, g] of (doc.groups as Partial<RuleGroup>[]).entries()) {
    if (typeof g.name !== "string" || !Array.isArray(g.rules)) throw new Error(`${path}: groups[${i}] needs a "name" and a "rules" list`);
    for (const [j, r] of g.rules.entries()) {
      if (typeof r.expr !== "string" || typeof (r.alert ?? r.record) !== "string")
        throw new Error(`${path}: groups[${i}].rules[${j}] needs "expr" and either "alert" or "record"`);
    }
  }
  return { name, path, groups: doc.groups as RuleGroup[] };
}

/** Every rule file of the kit, by name. */
export function ruleFiles(dir: string = KIT_DIRS.rules): RuleFile[] {
  return filesIn(dir, /\.ya?ml$/).map((name) => ruleFile(dir, name));
}

/** Every rule of every file, flattened. */
export const allRules = (files: readonly RuleFile[] = ruleFiles()): Rule[] => files.flatMap((f) => f.groups.flatMap((g) => g.rules));

/** Every promtool unit-test file under dashboards/tests/. */
export function ruleTestFiles(dir: string = KIT_DIRS.tests): string[] {
  return filesIn(dir, /\.test\.ya?ml$/).map((name) => join(dir, name));
}

/** Grafana dashboards: file name to the JSON text, as Grafana imports it. */
export function dashboardFiles(dir: string = KIT_DIRS.grafana): Record<string, string> {
  return Object.fromEntries(filesIn(dir, /\.json$/).map((name) => [name, readFileSync(join(dir, name), "utf8")]));
}
