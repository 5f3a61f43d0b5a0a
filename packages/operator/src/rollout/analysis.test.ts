import { describe, expect, it } from "vitest";
import { type AnalysisRequest, analyse, judge, type Measurements } from "./analysis.js";
import { createMetricsSource, type MetricsSource } from "./metrics-source.js";
import { DEFAULT_SETTINGS } from "./settings.js";

const request: AnalysisRequest = {
  namespace: "vision",
  model: "detector",
  stableVersion: "1.0",
  canaryVersion: "2.0",
  classes: ["jetson-orin", "x86-cpu"],
  settings: { ...DEFAULT_SETTINGS, minSamples: 50, latencyTolerance: 0.2, maxErrorRatio: 0.01 },
  slo: { p95LatencySeconds: 0.1, maxPowerWatts: 15, maxTemperatureCelsius: 80 },
  stepSeconds: 90,
};

function measured(over: Partial<Measurements> = {}): Measurements {
  const both = (stable: number, canary: number) => ({ stable, canary });
  return {
    p95: new Map([
      ["jetson-orin", both(0.04, 0.045)],
      ["x86-cpu", both(0.08, 0.09)],
    ]),
    requests: new Map([
      ["jetson-orin", both(500, 100)],
      ["x86-cpu", both(500, 100)],
    ]),
    errors: new Map([["x86-cpu", both(0, 0)]]),
    power: new Map([
      ["jetson-orin", 12],
      ["x86-cpu", 9],
    ]),
    temperature: new Map([
      ["jetson-orin", 70],
      ["x86-cpu", 55],
    ]),
    refusals: new Map(),
    placementSeen: true,
    ...over,
  };
}

describe("judge", () => {
  it("records what each class's nodes on the new version measured, with or without a limit on it", () => {
    const outcome = judge(
      { ...request, slo: undefined },
      measured({
        p50: new Map([["x86-cpu", 0.03]]),
        requests: new Map([
          ["jetson-orin", { stable: 500, canary: 0 }],
          ["x86-cpu", { stable: 500, canary: 100.4 }],
        ]),
        evaluations: new Map([
          [
            "x86-cpu",
            new Map([
              ["onnx-int8-static", { scored: 30, correct: 29 }],
              ["onnx-fp32", { scored: 10, correct: 10 }],
            ]),
          ],
        ]),
      }),
    );
    // jetson-orin answered nothing on 2.0 yet: nothing to report of it.
    expect(outcome.measured).toEqual([
      { hardwareClass: "x86-cpu", requests: 100, p50LatencySeconds: 0.03, p95LatencySeconds: 0.09, evaluations: 40, accuracyPercent: 97.5 },
    ]);
  });

  describe("the accuracy devices report", () => {
    const accuracyRequest: AnalysisRequest = {
      ...request,
      slo: { maxAccuracyDropPoints: 1 },
      variantAccuracy: new Map([["onnx-int8-static", 98]]),
    };
    const evaluations = (scored: number, correct: number, variant = "onnx-int8-static") =>
      new Map([["x86-cpu", new Map([[variant, { scored, correct }]])]]);

    it("fails a class whose variant answers its evaluations more than the limit below its profile", () => {
      const outcome = judge(accuracyRequest, measured({ evaluations: evaluations(200, 180) }));
      expect(outcome.verdict).toBe("Fail");
      expect(outcome.message).toBe(
        "x86-cpu: accuracy of onnx-int8-static 90% on 200 evaluations is below its profile's 98% by 8 points > 1 points",
      );
      expect(outcome.checks?.find((c) => c.name === "accuracy-drop")).toEqual({
        name: "accuracy-drop",
        hardwareClass: "x86-cpu",
        value: 8,
        threshold: 1,
        passed: false,
      });
    });

    it("passes within the limit, and skips classes and variants with no evaluations or no profile accuracy", () => {
      const within = judge(accuracyRequest, measured({ evaluations: evaluations(200, 195) }));
      expect(within.verdict).toBe("Pass");
      expect(within.checks?.filter((c) => c.name === "accuracy-drop").map((c) => [c.hardwareClass, c.value, c.passed])).toEqual([
        ["x86-cpu", 98 - 97.5, true],
      ]);
      for (const m of [measured(), measured({ evaluations: evaluations(200, 10, "no-profile") })]) {
        const skipped = judge(accuracyRequest, m);
        expect(skipped.verdict).toBe("Pass");
        expect(skipped.checks?.some((c) => c.name === "accuracy-drop")).toBe(false);
      }
    });

    it("waits for minSamples evaluations before judging: one wrong answer of a few is noise", () => {
      const few = judge(accuracyRequest, measured({ evaluations: evaluations(8, 7) }));
      expect(few.verdict).toBe("Wait");
      expect(few.message).toContain("x86-cpu: 8 of 50 evaluations of onnx-int8-static");
      expect(judge(accuracyRequest, measured({ evaluations: evaluations(50, 49) })).verdict).toBe("Pass");
    });

    it("never passes a class whose variant's devices are to score evaluation data but report none: waits one window, then inconclusive", () => {
      const scored: AnalysisRequest = { ...accuracyRequest, scoredVariants: new Map([["x86-cpu", "onnx-int8-static"]]) };
      const early = judge({ ...scored, stepSeconds: 30 }, measured({ evaluations: evaluations(200, 10, "other") }));
      expect(early.verdict).toBe("Wait");
      expect(early.message).toContain("x86-cpu: no evaluations of onnx-int8-static yet");
      const late = judge(scored, measured());
      expect(late.verdict).toBe("Inconclusive");
      expect(late.message).toBe(
        "limits set but not measured over 60s: x86-cpu: slo.maxAccuracyDropPoints is 1 points but its nodes on 2.0 report no evaluations of onnx-int8-static (its evaluation data not stored: see the runtime pods' verify-artifact log)",
      );
      expect(late.checks?.find((c) => c.name === "accuracy-drop")).toEqual({
        name: "accuracy-drop",
        hardwareClass: "x86-cpu",
        threshold: 1,
        passed: false,
      });
      // Scored: judged as before.
      expect(judge(scored, measured({ evaluations: evaluations(200, 195) })).verdict).toBe("Pass");
      // Without the limit nothing is asked of the devices.
      expect(judge({ ...scored, slo: {} }, measured()).verdict).toBe("Pass");
    });
  });

  it("passes a step whose every class meets every limit, listing the values and limits", () => {
    const outcome = judge(request, measured());
    expect(outcome.verdict).toBe("Pass");
    expect(outcome.message).toBe("every limit met (jetson-orin p95 0.045s, x86-cpu p95 0.09s)");
    expect(outcome.checks?.filter((c) => c.hardwareClass === "jetson-orin").map((c) => [c.name, c.value, c.threshold, c.passed])).toEqual([
      ["artifact-refusals", 0, 0, true],
      ["samples", 100, 50, true],
      ["latency", 0.045, 0.1, true],
      ["latency-vs-stable", 0.045, 0.048, true],
      ["error-ratio", 0, 0.01, true],
      ["power", 12, 15, true],
      ["temperature", 70, 80, true],
    ]);
  });

  it("waits, never passes, while a class has requests but no p95 latency yet", () => {
    const p95 = new Map([["jetson-orin", { stable: 0.04, canary: 0.045 }]]);
    const outcome = judge(request, measured({ p95 }));
    expect(outcome.verdict).toBe("Wait");
    expect(outcome.message).toBe("too few samples of 2.0 in the last 60s: x86-cpu: no p95 latency yet");
  });

  it("fails on a canary slower than the SLO or than the stable version by more than the tolerance", () => {
    const p95 = new Map([
      ["jetson-orin", { stable: 0.04, canary: 0.06 }],
      ["x86-cpu", { stable: 0.08, canary: 0.12 }],
    ]);
    const outcome = judge(request, measured({ p95 }));
    expect(outcome.verdict).toBe("Fail");
    expect(outcome.message).toBe(
      "jetson-orin: p95 latency vs stable 0.04s +20%: 0.06s > 0.048s; x86-cpu: p95 latency 0.12s > 0.1s; x86-cpu: p95 latency vs stable 0.08s +20%: 0.12s > 0.096s",
    );
  });

  it("fails on errors, power or temperature beyond their limits", () => {
    const outcome = judge(
      request,
      measured({
        errors: new Map([["x86-cpu", { canary: 5 }]]),
        power: new Map([["jetson-orin", 18]]),
        temperature: new Map([["jetson-orin", 91]]),
      }),
    );
    expect(outcome.verdict).toBe("Fail");
    expect(outcome.message).toBe(
      "jetson-orin: max power 18W > 15W; jetson-orin: max temperature 91°C > 80°C; x86-cpu: error ratio 0.05 > 0.01",
    );
  });

  it("waits, never passes, while a class has too few samples of the new version", () => {
    const requests = new Map([
      ["jetson-orin", { stable: 500, canary: 100 }],
      ["x86-cpu", { stable: 500, canary: 7 }],
    ]);
    const outcome = judge(request, measured({ requests }));
    expect(outcome.verdict).toBe("Wait");
    expect(outcome.message).toBe("too few samples of 2.0 in the last 60s: x86-cpu: 7 of 50 samples");
    expect(judge({ ...request, classes: [] }, measured()).verdict).toBe("Wait");
    expect(judge(request, measured({ requests, placementSeen: false })).message).toBe(
      "too few samples of 2.0 in the last 60s: x86-cpu: 7 of 50 samples (the metrics source has no edgefleet_rollout_assignment series of 2.0 yet, and samples count only from nodes it lists: check that it scrapes the operator's /metrics)",
    );
  });

  it("waits for a set power or temperature limit's first reading, then is inconclusive, never a pass, naming the limit", () => {
    const power = new Map([["jetson-orin", 12]]);
    const early = judge({ ...request, stepSeconds: 30 }, measured({ power }));
    expect(early.verdict).toBe("Wait");
    expect(early.message).toBe("too few samples of 2.0 in the last 60s: x86-cpu: no power reading yet");

    const late = judge(request, measured({ power, temperature: new Map() }));
    expect(late.verdict).toBe("Inconclusive");
    expect(late.message).toBe(
      "limits set but not measured over 60s: jetson-orin: slo.maxTemperatureCelsius is 80°C but its nodes on 2.0 report no temperature; " +
        "x86-cpu: slo.maxPowerWatts is 15W but its nodes on 2.0 report no power; " +
        "x86-cpu: slo.maxTemperatureCelsius is 80°C but its nodes on 2.0 report no temperature",
    );
    expect(late.checks?.filter((c) => c.hardwareClass === "x86-cpu" && !c.passed)).toEqual([
      { name: "power", hardwareClass: "x86-cpu", threshold: 15, passed: false },
      { name: "temperature", hardwareClass: "x86-cpu", threshold: 80, passed: false },
    ]);
  });

  it("is inconclusive on an unmeasured limit even while another class waits: its samples will not bring a reading", () => {
    const requests = new Map([
      ["jetson-orin", { stable: 500, canary: 7 }],
      ["x86-cpu", { stable: 500, canary: 100 }],
    ]);
    const outcome = judge(request, measured({ requests, power: new Map() }));
    expect(outcome.verdict).toBe("Inconclusive");
    expect(outcome.message).toBe(
      "limits set but not measured over 60s: x86-cpu: slo.maxPowerWatts is 15W but its nodes on 2.0 report no power",
    );
  });

  it("fails rather than holds when one class misses a limit and another's is unmeasured", () => {
    const outcome = judge(request, measured({ power: new Map([["jetson-orin", 40]]) }));
    expect(outcome.verdict).toBe("Fail");
    expect(outcome.message).toBe("jetson-orin: max power 40W > 15W");
  });

  it("does not ask for power or temperature readings without those limits", () => {
    const slo = { p95LatencySeconds: 0.1 };
    const outcome = judge({ ...request, slo }, measured({ power: new Map(), temperature: new Map() }));
    expect(outcome.verdict).toBe("Pass");
  });

  it("fails a class that misses a limit even while another still waits for samples", () => {
    const requests = new Map([
      ["jetson-orin", { stable: 500, canary: 100 }],
      ["x86-cpu", { stable: 500, canary: 7 }],
    ]);
    expect(judge(request, measured({ requests, power: new Map([["jetson-orin", 40]]) })).verdict).toBe("Fail");
  });

  it("fails a class whose canary nodes refused the artifact, without waiting for samples they will never send", () => {
    const requests = new Map([
      ["jetson-orin", { stable: 500, canary: 0 }],
      ["x86-cpu", { stable: 500, canary: 100 }],
    ]);
    const refusals = new Map([
      ["jetson-orin", { nodes: new Set(["jetson-orin-0001", "jetson-orin-0002"]), reasons: new Set(["size-mismatch", "digest-mismatch"]) }],
    ]);
    const outcome = judge(request, measured({ requests, refusals }));
    expect(outcome.verdict).toBe("Fail");
    expect(outcome.message).toBe("jetson-orin: artifact refused on 2 node(s): digest-mismatch, size-mismatch");
    expect(outcome.checks?.filter((c) => c.hardwareClass === "jetson-orin")).toEqual([
      { name: "artifact-refusals", hardwareClass: "jetson-orin", value: 2, threshold: 0, passed: false },
    ]);
  });

  it("skips the comparison with the stable version when that has too few samples, and checks without SLOs set", () => {
    const requests = new Map([
      ["jetson-orin", { stable: 3, canary: 100 }],
      ["x86-cpu", { stable: 3, canary: 100 }],
    ]);
    const outcome = judge({ ...request, slo: undefined }, measured({ requests }));
    expect(outcome.verdict).toBe("Pass");
    expect(new Set(outcome.checks?.map((c) => c.name))).toEqual(new Set(["artifact-refusals", "samples", "error-ratio"]));
  });
});

describe("analyse", () => {
  const failing: MetricsSource = {
    description: "test",
    instant: () => Promise.reject(new Error("prometheus at http://p:9090 unreachable: connect ECONNREFUSED")),
  };

  it("makes a failing source inconclusive, not a pass", async () => {
    expect(await analyse(failing, request)).toEqual({
      verdict: "Inconclusive",
      message: "prometheus at http://p:9090 unreachable: connect ECONNREFUSED",
    });
  });

  it("counts refusals over the whole step, and reads them per class, node and reason", async () => {
    const queries: string[] = [];
    const source: MetricsSource = {
      description: "test",
      instant: async (q) => {
        queries.push(q);
        if (!q.includes("edgefleet_artifact_verification_failures_total")) return [];
        return [
          { labels: { hardware_class: "x86-cpu", node: "x86-cpu-0001", reason: "digest-mismatch" }, value: 1 },
          { labels: { hardware_class: "x86-cpu", node: "x86-cpu-0002", reason: "digest-mismatch" }, value: 0 },
        ];
      },
    };
    const outcome = await analyse(source, { ...request, stepSeconds: 300 });
    const refusalQueries = () => queries.filter((q) => q.includes("edgefleet_artifact_verification_failures_total"));
    expect(refusalQueries()).toEqual([expect.stringContaining("offset 300s")]);
    expect(outcome.verdict).toBe("Fail");
    expect(outcome.message).toBe("x86-cpu: artifact refused on 1 node(s): digest-mismatch");
    await analyse(source, { ...request, stepSeconds: 5 });
    // An analysis early in the step still looks back over the whole window.
    expect(refusalQueries()[1]).toContain("offset 60s");
  });

  it("skips versions the metrics cannot tell apart, without querying", async () => {
    expect((await analyse(failing, { ...request, canaryVersion: "1.0" })).verdict).toBe("Skipped");
  });
});

describe("createMetricsSource", () => {
  it("makes a Prometheus source, and refuses unknown types and URLs naming the problem", () => {
    expect(createMetricsSource({ type: "prometheus", url: "http://prom:9090/" }).description).toBe("prometheus at http://prom:9090");
    expect(() => createMetricsSource({ type: "datadog", url: "http://x" })).toThrow(
      'unknown metrics source type "datadog": use one of prometheus',
    );
    expect(() => createMetricsSource({ type: "prometheus", url: "ftp://x" })).toThrow(
      'Prometheus URL "ftp://x" must be http:// or https://',
    );
  });
});
