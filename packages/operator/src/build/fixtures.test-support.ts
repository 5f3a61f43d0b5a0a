import type { EdgeModelBuild, TargetSummary } from "@edgefleet/api";

/** The unit tests' build of the digits MLP and one target's measurements, each with overrides. */

export const SHA = "a".repeat(64);

export const testBuild = (over: Partial<EdgeModelBuild> = {}): EdgeModelBuild => ({
  apiVersion: "edgefleet.io/v1alpha1",
  kind: "EdgeModelBuild",
  metadata: { name: "digits", namespace: "vision", generation: 2 },
  spec: {
    model: "digits",
    version: "2.0",
    source: { uri: "https://m.example.com/digits.onnx", sha256: SHA, sizeBytes: 1 },
    evaluation: { uri: "https://m.example.com/e.npz", sha256: SHA, sizeBytes: 1 },
    targets: ["onnx-fp32", "onnx-int8-static"],
    maxAccuracyDropPoints: 1,
  },
  ...over,
});

export const targetSummary = (t: Partial<TargetSummary>): TargetSummary => ({
  target: "onnx-fp32",
  verdict: "Built",
  sizeBytes: 200_000,
  sizeRatio: 1,
  accuracyPercent: 96.85,
  accuracyDropPoints: 0,
  p50LatencySeconds: 0.00002,
  p95LatencySeconds: 0.00003,
  ...t,
});
