import { describe, expect, it } from "vitest";
import { anyOf, artifactRefusalsQuery, countQuery, deviceMaxQuery, latencyP95Query, promString } from "./queries.js";

const scope = { namespace: "vision", model: "detector", windowSeconds: 60 };

describe("rollout queries", () => {
  it("quote label values and escape versions in a regex", () => {
    expect(promString('a"b\\c')).toBe('"a\\"b\\\\c"');
    expect(anyOf(["1.0", "2024.06.1-rc"])).toBe("1\\.0|2024\\.06\\.1-rc");
  });

  it("take p95 latency per class and version from the contract histogram", () => {
    expect(latencyP95Query(scope, ["1.0", "2.0"])).toBe(
      'histogram_quantile(0.95, sum by (hardware_class, version, le) (rate(edgefleet_inference_latency_seconds_bucket{namespace="vision",model="detector",version=~"1\\\\.0|2\\\\.0"}[60s])))',
    );
  });

  it("count requests and errors over the window", () => {
    expect(countQuery("errors", scope, ["2.0"])).toBe(
      'sum by (hardware_class, version) (increase(edgefleet_inference_errors_total{namespace="vision",model="detector",version="2.0"}[60s]))',
    );
  });

  it("take the highest device reading on nodes serving the version, by their own inference series", () => {
    expect(deviceMaxQuery("power", scope, "2.0")).toBe(
      'max by (hardware_class) (max_over_time(max by (node, hardware_class) ({__name__=~"edgefleet_device_(gpu|rail|rapl|hwmon)_power_watts"})[60s:]) and on (node) edgefleet_inference_requests_total{namespace="vision",model="detector",version="2.0"})',
    );
  });

  it("count artifact refusals of the version per class, node and reason, a counter born in the range included", () => {
    const failures = 'edgefleet_artifact_verification_failures_total{namespace="vision",model="detector",version="2.0"}';
    expect(artifactRefusalsQuery(scope, "2.0", 90.2)).toBe(
      `sum by (hardware_class, node, reason) ((${failures} unless ${failures} offset 91s) or increase(${failures}[91s]))`,
    );
  });
});
