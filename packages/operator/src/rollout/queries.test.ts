import { describe, expect, it } from "vitest";
import { anyOf, artifactRefusalsQuery, countQuery, deviceMaxQuery, evaluationsQuery, latencyQuantileQuery, promString } from "./queries.js";

const scope = { namespace: "vision", model: "detector", windowSeconds: 60 };

describe("rollout queries", () => {
  it("quote label values and escape versions in a regex", () => {
    expect(promString('a"b\\c')).toBe('"a\\"b\\\\c"');
    expect(anyOf(["1.0", "2024.06.1-rc"])).toBe("1\\.0|2024\\.06\\.1-rc");
  });

  const both = 'namespace="vision",model="detector",version=~"1\\\\.0|2\\\\.0"';
  const placed = (matchers: string) => `and on (namespace, model, version, node) edgefleet_rollout_assignment{${matchers}}`;

  it("take latency quantiles per class and version from the contract histogram, on the nodes placed on each version only", () => {
    expect(latencyQuantileQuery(0.95, scope, ["1.0", "2.0"])).toBe(
      `histogram_quantile(0.95, sum by (hardware_class, version, le) (rate(edgefleet_inference_latency_seconds_bucket{${both}}[60s]) ${placed(both)}))`,
    );
    const one = 'namespace="vision",model="detector",version="2.0"';
    expect(latencyQuantileQuery(0.5, scope, ["2.0"])).toBe(
      `histogram_quantile(0.5, sum by (hardware_class, version, le) (rate(edgefleet_inference_latency_seconds_bucket{${one}}[60s]) ${placed(one)}))`,
    );
  });

  it("count requests and errors over the window, on the nodes placed on the version only", () => {
    const one = 'namespace="vision",model="detector",version="2.0"';
    expect(countQuery("errors", scope, ["2.0"])).toBe(
      `sum by (hardware_class, version) (increase(edgefleet_inference_errors_total{${one}}[60s]) ${placed(one)})`,
    );
  });

  it("count evaluations scored and answered right over the step per class and variant, a counter born in it included, placed nodes only", () => {
    const one = 'namespace="vision",model="detector",version="2.0"';
    const correct = `edgefleet_inference_evaluations_correct_total{${one}}`;
    expect(evaluationsQuery("evaluations_correct", scope, "2.0", 300)).toBe(
      `sum by (hardware_class, variant) (((${correct} unless ${correct} offset 300s) or increase(${correct}[300s])) ${placed(one)})`,
    );
  });

  it("take the highest device reading on the nodes placed on the version, by their assignment series", () => {
    expect(deviceMaxQuery("power", scope, "2.0")).toBe(
      'max by (hardware_class) (max_over_time(max by (node, hardware_class) ({__name__=~"edgefleet_device_(gpu|rail|rapl|hwmon)_power_watts"})[60s:]) and on (node) edgefleet_rollout_assignment{namespace="vision",model="detector",version="2.0"})',
    );
  });

  it("count artifact refusals of the version per class, node and reason, a counter born in the range included, placed nodes only", () => {
    const one = 'namespace="vision",model="detector",version="2.0"';
    const failures = `edgefleet_artifact_verification_failures_total{${one}}`;
    expect(artifactRefusalsQuery(scope, "2.0", 90.2)).toBe(
      `sum by (hardware_class, node, reason) (((${failures} unless ${failures} offset 91s) or increase(${failures}[91s])) ${placed(one)})`,
    );
  });
});
