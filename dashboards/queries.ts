import { variableSelector } from "./promql.js";

/** Where a dashboard query sits, for messages that lead to it. */
export interface DashboardQuery {
  readonly dashboard: string;
  /** "panel <title> <refId>" or "variable <name>". */
  readonly where: string;
  readonly panel?: string;
  readonly expr: string;
}

interface PanelJson {
  type?: string;
  title?: string;
  panels?: PanelJson[];
  targets?: { refId?: string; expr?: string }[];
}
interface DashboardJson {
  title?: string;
  panels?: PanelJson[];
  templating?: { list?: { name?: string; type?: string; query?: string | { query?: string } }[] };
}

const flatten = (panels: readonly PanelJson[]): PanelJson[] => panels.flatMap((p) => [p, ...flatten(p.panels ?? [])]);

/** Every PromQL query of a dashboard: panel targets, and the selectors of its query variables. */
export function dashboardQueries(file: string, model: unknown): DashboardQuery[] {
  const d = model as DashboardJson;
  const queries: DashboardQuery[] = [];
  for (const p of flatten(d.panels ?? [])) {
    for (const t of p.targets ?? []) {
      if (t.expr !== undefined)
        queries.push({ dashboard: file, where: `panel "${p.title}" ${t.refId}`, panel: p.title ?? "", expr: t.expr });
    }
  }
  for (const v of d.templating?.list ?? []) {
    if (v.type !== "query") continue;
    const q = typeof v.query === "string" ? v.query : (v.query?.query ?? "");
    queries.push({ dashboard: file, where: `variable ${v.name}`, expr: variableSelector(q) });
  }
  return queries;
}
