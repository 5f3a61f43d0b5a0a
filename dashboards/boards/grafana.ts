/*
 * A small builder for Grafana dashboard JSON (schema 39, Grafana 10.4+): the dashboards under
 * dashboards/grafana/ are generated from the board definitions next to this file, so every panel
 * shares one layout, one datasource variable and one set of template variables.
 */

// biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana's variable syntax, resolved by Grafana on import.
const DATASOURCE = { type: "prometheus", uid: "${datasource}" } as const;

export const SCHEMA_VERSION = 39;

/** The template variables a board may use, each filtering the next (site narrows classes and nodes). */
export type VariableName = "site" | "hardware_class" | "node" | "model" | "version";

const VARIABLE_QUERIES: Record<VariableName, { label: string; query: string }> = {
  site: { label: "Site", query: "label_values(edgefleet_device_info, site)" },
  hardware_class: { label: "Hardware class", query: 'label_values(edgefleet_device_info{site=~"$site"}, hardware_class)' },
  node: { label: "Node", query: 'label_values(edgefleet_device_info{site=~"$site", hardware_class=~"$hardware_class"}, node)' },
  model: {
    label: "Model",
    query: 'label_values(edgefleet_inference_requests_total{site=~"$site", hardware_class=~"$hardware_class"}, model)',
  },
  version: { label: "Version", query: 'label_values(edgefleet_inference_requests_total{model=~"$model"}, version)' },
};

function variable(name: VariableName) {
  const { label, query } = VARIABLE_QUERIES[name];
  return {
    name,
    label,
    type: "query",
    datasource: DATASOURCE,
    query: { query, refId: `${name}-variable` },
    definition: query,
    refresh: 2,
    includeAll: true,
    multi: true,
    allValue: ".*",
    current: { selected: true, text: ["All"], value: ["$__all"] },
    sort: 1,
    hide: 0,
    skipUrlSync: false,
  };
}

export interface Target {
  readonly expr: string;
  /** Grafana legend template, e.g. "{{node}} {{zone}}". */
  readonly legend?: string;
}

export interface PanelSpec {
  readonly title: string;
  readonly description: string;
  readonly type?: "timeseries" | "stat" | "table" | "heatmap";
  /** Grafana unit id: s, celsius, watt, joule, bytes, percentunit, ops, short. */
  readonly unit?: string;
  readonly targets: readonly Target[];
  /** Width in grid columns (24 across); 12 unless told. */
  readonly width?: number;
  readonly stack?: boolean;
}

export interface RowSpec {
  readonly title: string;
  readonly panels: readonly PanelSpec[];
}

export interface BoardSpec {
  readonly uid: string;
  readonly title: string;
  readonly description: string;
  readonly variables: readonly VariableName[];
  readonly rows: readonly RowSpec[];
}

const HEIGHT = { stat: 4, table: 8, timeseries: 8, heatmap: 8 } as const;

function options(type: NonNullable<PanelSpec["type"]>) {
  switch (type) {
    case "stat":
      return {
        reduceOptions: { calcs: ["lastNotNull"], fields: "", values: false },
        colorMode: "value",
        graphMode: "area",
        textMode: "auto",
      };
    case "table":
      return { showHeader: true, cellHeight: "sm" };
    case "heatmap":
      return { calculate: false, yAxis: { unit: "s" }, color: { mode: "scheme", scheme: "Oranges" }, cellGap: 1 };
    default:
      return {
        legend: { displayMode: "table", placement: "right", calcs: ["lastNotNull", "max"] },
        tooltip: { mode: "multi", sort: "desc" },
      };
  }
}

function panel(spec: PanelSpec, id: number, x: number, y: number) {
  const type = spec.type ?? "timeseries";
  const custom =
    type === "timeseries" ? { custom: { fillOpacity: spec.stack ? 30 : 10, stacking: { mode: spec.stack ? "normal" : "none" } } } : {};
  return {
    id,
    type,
    title: spec.title,
    description: spec.description,
    datasource: DATASOURCE,
    gridPos: { x, y, w: spec.width ?? 12, h: HEIGHT[type] },
    fieldConfig: { defaults: { unit: spec.unit ?? "short", ...custom }, overrides: [] },
    options: options(type),
    targets: spec.targets.map((t, i) => ({
      refId: String.fromCharCode(65 + i),
      datasource: DATASOURCE,
      expr: t.expr,
      legendFormat: t.legend ?? "__auto",
      range: type !== "table",
      instant: type === "table",
      ...(type === "heatmap" ? { format: "heatmap" } : type === "table" ? { format: "table" } : {}),
    })),
  };
}

/** The dashboard JSON model: rows of panels laid out left to right, wrapping at 24 columns. */
export function board(spec: BoardSpec) {
  const panels: object[] = [];
  let id = 1;
  let y = 0;
  for (const row of spec.rows) {
    panels.push({ id: id++, type: "row", title: row.title, collapsed: false, gridPos: { x: 0, y: y++, w: 24, h: 1 }, panels: [] });
    let x = 0;
    let rowHeight = 0;
    for (const p of row.panels) {
      const w = p.width ?? 12;
      if (x + w > 24) {
        x = 0;
        y += rowHeight;
        rowHeight = 0;
      }
      panels.push(panel(p, id++, x, y));
      x += w;
      rowHeight = Math.max(rowHeight, HEIGHT[p.type ?? "timeseries"]);
    }
    y += rowHeight;
  }
  return {
    uid: spec.uid,
    title: spec.title,
    description: spec.description,
    tags: ["edgefleet"],
    editable: true,
    graphTooltip: 1,
    schemaVersion: SCHEMA_VERSION,
    version: 1,
    timezone: "browser",
    time: { from: "now-6h", to: "now" },
    refresh: "30s",
    annotations: {
      list: [
        {
          builtIn: 1,
          datasource: { type: "grafana", uid: "-- Grafana --" },
          enable: true,
          hide: true,
          iconColor: "rgba(0, 211, 255, 1)",
          name: "Annotations & Alerts",
          type: "dashboard",
        },
      ],
    },
    templating: {
      list: [
        { name: "datasource", label: "Data source", type: "datasource", query: "prometheus", current: {}, hide: 0, refresh: 1, regex: "" },
        ...spec.variables.map(variable),
      ],
    },
    links: [{ title: "edgefleet", type: "dashboards", tags: ["edgefleet"], asDropdown: true, includeVars: true, keepTime: true }],
    panels,
  };
}
