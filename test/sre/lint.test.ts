import { exportedFamilies, familyProblems, type KitInput, kitInput, lintKit, PENDING_METRICS, parsePromQL } from "@edgefleet/dashboards";
import { describe, expect, it } from "vitest";

const kit = kitInput();

/** The kit with one extra alert or panel, to see the lint catch it. */
function withAlert(expr: string, over: Record<string, unknown> = {}): KitInput {
  const alert = {
    alert: "EdgefleetTestAlert",
    expr,
    labels: { severity: "warning" },
    annotations: { summary: "s", description: "d", runbook_url: "docs/runbooks.md#edgefleettestalert" },
    ...over,
  };
  return { ...kit, rules: [...kit.rules, { name: "extra.yaml", path: "extra.yaml", groups: [{ name: "extra", rules: [alert] }] }] };
}
function withPanel(expr: string): KitInput {
  const dashboard = { panels: [{ type: "timeseries", title: "extra", targets: [{ refId: "A", expr }] }] };
  return { ...kit, dashboards: { ...kit.dashboards, "extra.json": dashboard } };
}

describe("SRE kit lint", () => {
  it("finds every metric the rules and dashboards read among the project's exports, every name conventional", () => {
    expect(lintKit(kit)).toEqual([]);
  });

  it("takes the names from the operator's and the gateway's own registry builders", () => {
    const names = exportedFamilies().map((f) => f.family);
    expect(names).toEqual(
      expect.arrayContaining([
        "controller_runtime_reconcile_total",
        "workqueue_depth",
        "edgefleet_leader_is_leader",
        "edgefleet_rollout_step",
        "edgefleet_placement_cpu_fallback",
      ]),
    );
    expect(names).toEqual(
      expect.arrayContaining([
        "edgefleet_gateway_mqtt_connected",
        "edgefleet_gateway_sequence_gaps_total",
        "edgefleet_device_thermal_zone_temperature_celsius",
        "edgefleet_device_rapl_energy_joules_total",
      ]),
    );
    // Only what no code exports yet comes from the hand-kept list.
    expect(PENDING_METRICS.map((m) => m.name).filter((n) => names.includes(n))).toEqual([]);
  });

  it("fails on a metric nobody exports, in a rule or a panel", () => {
    expect(lintKit(withAlert("edgefleet_node_temperature_celsius > 85"))).toEqual([
      expect.stringMatching(/rules\/extra.yaml EdgefleetTestAlert: edgefleet_node_temperature_celsius is not a metric the project exports/),
      expect.stringMatching(/docs\/runbooks.md has no section/),
    ]);
    expect(lintKit(withPanel("rate(edgefleet_inferences_total[5m])"))).toEqual([
      expect.stringMatching(/grafana\/extra.json panel "extra" A: edgefleet_inferences_total is not a metric/),
    ]);
  });

  it("knows a histogram's series from a gauge's and a counter's", () => {
    expect(lintKit(withPanel("rate(edgefleet_inference_latency_seconds_count[5m])"))).toEqual([]);
    expect(lintKit(withPanel("edgefleet_inference_latency_seconds"))).toEqual([expect.stringMatching(/is not a metric/)]);
    expect(lintKit(withPanel("rate(edgefleet_device_spool_bytes_bucket[5m])"))).toEqual([expect.stringMatching(/is not a metric/)]);
  });

  it("fails on an unknown function, an unbalanced query, a missing severity or runbook", () => {
    expect(lintKit(withPanel("rates(edgefleet_device_up[5m])"))).toEqual([expect.stringMatching(/unknown function rates\(\)/)]);
    expect(lintKit(withPanel("sum(edgefleet_device_up"))).toEqual([expect.stringMatching(/unclosed "\("/)]);
    const problems = lintKit(withAlert("edgefleet_device_up == 0", { labels: {}, annotations: { summary: "s" } }));
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/severity must be warning or critical/),
        expect.stringMatching(/annotations.runbook_url is missing/),
      ]),
    );
  });

  it("fails on names that break the conventions", () => {
    const bad = [
      { family: "edgefleet_device_temperature", type: "gauge" },
      { family: "edgefleet_requests", type: "counter" },
      { family: "edgefleet_queue_size_total", type: "gauge" },
      { family: "edgefleet_latency_milliseconds", type: "histogram" },
      { family: "edgefleet_energy_joules", type: "counter" },
      { family: "edgefleetDeviceUp", type: "gauge" },
    ] as const;
    expect(bad.map((f) => familyProblems(f).length > 0)).toEqual(bad.map(() => true));
    expect(lintKit({ ...kit, families: [...kit.families, { family: "node_temp", type: "gauge" }] })).toEqual([
      expect.stringMatching(/node_temp: must be lowercase snake_case starting with edgefleet_/),
    ]);
    const rules = kit.rules.map((f) => ({
      ...f,
      groups: f.groups.map((g) => ({ ...g, rules: g.rules.map((r) => (r.record ? { ...r, record: r.record.replaceAll(":", "_") } : r)) })),
    }));
    expect(lintKit({ ...kit, rules }).some((p) => /name it level:metric:operations/.test(p))).toBe(true);
  });

  it("reads PromQL: suffixes, ALERTS and up, recording rules, label lists, strings and ranges", () => {
    expect(
      parsePromQL(
        'sum by (le, node) (rate(a_bucket{x=~"$site", y="}"}[$__rate_interval] offset 5m)) / on (node) group_left (site) ' +
          'level:b_total:rate5m + count(ALERTS{alertstate="firing"}) * up unless absent(c) and label_replace(d, "l", "$1", "m", "(.*)") > bool 1e3',
      ),
    ).toEqual({ metrics: ["a_bucket", "level:b_total:rate5m", "ALERTS", "up", "c", "d"], errors: [] });
  });
});
