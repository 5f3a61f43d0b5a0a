import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { parseConfig } from "../config/parse.js";
import { helmChart } from "./chart.js";
import { templateText } from "./templates.js";
import { valuesSchema } from "./values.js";

const COMMITTED = join(import.meta.dirname, "../../../deploy/helm/edgefleet");

function filesUnder(dir: string): Record<string, string> {
  return Object.fromEntries(
    readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => {
        const path = join(e.parentPath, e.name);
        return [relative(dir, path), readFileSync(path, "utf8")];
      }),
  );
}

describe("the Helm chart", () => {
  const chart = helmChart();

  it("is committed as generated: run `tools/edgefleet chart` after changing stacks/src", () => {
    const committed = filesUnder(COMMITTED);
    expect(Object.keys(committed).sort()).toEqual(Object.keys(chart).sort());
    for (const [path, text] of Object.entries(chart)) expect(committed[path], path).toBe(text);
  });

  it("has values.yaml defaults that the stack config's reader accepts as they are", () => {
    const values = parse(chart["values.yaml"] ?? "") as Record<string, unknown>;
    const raw = Object.fromEntries(
      Object.entries({ ...values, monitoring: { ...(values.monitoring as object), rolloutAnalysis: false } }).map(([k, v]) => [
        `edgefleet:${k}`,
        typeof v === "object" ? JSON.stringify(v) : String(v),
      ]),
    );
    const config = parseConfig({ ...raw, "edgefleet:cluster": JSON.stringify({ site: "factory-a" }) }, new Set());
    expect(config.platform.agent.hardwareClasses).toEqual((values.agent as { hardwareClasses: string[] }).hardwareClasses);
  });

  it("requires the site and states every setting of the stack config's platform section", () => {
    const schema = valuesSchema() as { required: string[]; properties: Record<string, { properties?: Record<string, unknown> }> };
    expect(schema.required).toEqual(["site"]);
    expect(Object.keys(schema.properties.monitoring?.properties ?? {}).sort()).toEqual(
      ["dashboards", "otlpEndpoint", "otlpProtocol", "prometheusUrl", "rolloutAnalysis", "rulesAs"].sort(),
    );
  });

  // A number computed from a sentinel (987654309) is not a value the chart can express: refused.
  it("escapes the braces of Prometheus' own templates, and leaves no sentinel unreplaced", () => {
    const text = templateText({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "x" }, data: { a: "{{ $labels.node }}" } });
    expect(text).toContain('{{ "{{" }} $labels.node }}');
    expect(() => templateText({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "efsentinel-site-x" } })).not.toThrow();
    expect(() => templateText({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "a" }, data: { n: "987654309" } })).toThrow(
      /98765430 is left/,
    );
  });
});
