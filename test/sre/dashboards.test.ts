import { boards, dashboardFiles, dashboardQueries } from "@edgefleet/dashboards";
import { describe, expect, it } from "vitest";

// biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana's variable syntax.
const DATASOURCE_VARIABLE = "${datasource}";
const files = dashboardFiles();
const models = Object.fromEntries(Object.entries(files).map(([f, text]) => [f, JSON.parse(text)]));

interface Panel {
  type: string;
  id: number;
  datasource?: { uid?: string };
  targets?: { datasource?: { uid?: string } }[];
  gridPos: { x: number; y: number; w: number; h: number };
}

describe("Grafana dashboards", () => {
  it("are the files the board definitions generate (npx tsx dashboards/boards/generate.ts)", () => {
    expect(Object.keys(files).sort()).toEqual(Object.keys(boards()).sort());
    for (const [file, model] of Object.entries(boards())) expect(models[file], file).toEqual(JSON.parse(JSON.stringify(model)));
  });

  it("import as they are: current schema, a datasource variable every panel uses, unique uids and panel ids", () => {
    const uids = new Set<string>();
    for (const [file, d] of Object.entries(models)) {
      expect(d.schemaVersion, file).toBeGreaterThanOrEqual(39);
      expect(uids.has(d.uid), file).toBe(false);
      uids.add(d.uid);
      const vars = d.templating.list as { name: string; type: string; query: unknown }[];
      expect(
        vars.find((v) => v.name === "datasource"),
        file,
      ).toMatchObject({ type: "datasource", query: "prometheus" });
      const panels = d.panels as Panel[];
      expect(new Set(panels.map((p) => p.id)).size, file).toBe(panels.length);
      for (const p of panels.filter((x) => x.type !== "row")) {
        expect(p.datasource?.uid, `${file} panel ${p.id}`).toBe(DATASOURCE_VARIABLE);
        for (const t of p.targets ?? []) expect(t.datasource?.uid).toBe(DATASOURCE_VARIABLE);
        expect(p.gridPos.x + p.gridPos.w, `${file} panel ${p.id}`).toBeLessThanOrEqual(24);
      }
    }
  });

  it("filter by site, hardware class, node, model and version where the series carry them", () => {
    const names = (file: string) => (models[file].templating.list as { name: string }[]).map((v) => v.name);
    for (const file of ["edgefleet-fleet.json", "edgefleet-rollout.json", "edgefleet-node.json"])
      expect(names(file)).toEqual(["datasource", "site", "hardware_class", "node", "model", "version"]);
    expect(names("edgefleet-platform.json")).toEqual(["datasource", "site", "node"]);
  });

  it("cover what the issue asks for", () => {
    const exprs = (file: string) =>
      dashboardQueries(file, models[file])
        .map((q) => q.expr)
        .join("\n");
    expect(exprs("edgefleet-fleet.json")).toMatch(/ALERTS\{/);
    expect(exprs("edgefleet-fleet.json")).toMatch(/sum by \(site, hardware_class\) \(max without \(instance\) \(edgefleet_device_up/);
    expect(exprs("edgefleet-rollout.json")).toMatch(/edgefleet_inference_latency_seconds_bucket/);
    expect(exprs("edgefleet-rollout.json")).toMatch(/edgefleet_rollout_decisions_total/);
    for (const m of [
      "throttled",
      "rapl_energy_joules_total",
      "spool_pending_messages",
      "spool_dropped_messages_total",
      "memory_available_bytes",
    ])
      expect(exprs("edgefleet-node.json")).toContain(`edgefleet_device_${m}`);
    for (const m of ["controller_runtime_reconcile_total", "workqueue_depth", "rejected_messages_total", "sequence_gaps_total"])
      expect(exprs("edgefleet-platform.json")).toContain(m);
  });
});
