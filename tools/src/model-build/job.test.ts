import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { BUILD_REQUEST_ENV, parseBuildSummary } from "@edgefleet/api";
import { useTempDirs } from "@edgefleet/kit";
import { afterEach, describe, expect, it } from "vitest";
import { job, summaryOf } from "./job.js";
import { gate, type Measurement } from "./result.js";

const measurement = (target: Measurement["target"], sizeBytes: number, accuracyPercent: number): Measurement => ({
  target,
  file: `/scratch/${target}`,
  sizeBytes,
  accuracyPercent,
  latencyMs: { p50: 0.025, p95: 0.05 },
  evaluationSamples: 540,
});

describe("the build Job's summary", () => {
  it("carries each target's measurements and verdict, latencies in seconds, as the operator parses it", () => {
    const m = {
      onnxruntime: "1.22.0",
      openvino: "2025.2.0",
      threads: 1,
      calibrationSamples: 179,
      targets: [measurement("onnx-fp32", 200_000, 96.85), measurement("openvino-int8", 60_000, 9.81)],
    };
    const result = {
      model: "m.onnx",
      evaluation: { dataset: "e.npz", sha256: "a".repeat(64) },
      ...gate(m, ["onnx-fp32", "openvino-int8"], 1, (t) => `/out/${t}`),
    };
    const summary = summaryOf(result);
    expect(parseBuildSummary(JSON.stringify(summary))).toEqual(summary);
    expect(summary).toMatchObject({ tools: "onnxruntime 1.22.0, openvino 2025.2.0", calibrationSamples: 179, evaluationSamples: 540 });
    expect(summary.targets).toEqual([
      expect.objectContaining({ target: "onnx-fp32", verdict: "Built", p50LatencySeconds: 0.000025, p95LatencySeconds: 0.00005 }),
      expect.objectContaining({ target: "openvino-int8", verdict: "Refused", sizeRatio: 0.3 }),
    ]);
  });
});

describe("the build Job's checks before fetching", () => {
  const tempDir = useTempDirs("model-job");
  const before = process.env[BUILD_REQUEST_ENV];
  afterEach(() => {
    if (before === undefined) delete process.env[BUILD_REQUEST_ENV];
    else process.env[BUILD_REQUEST_ENV] = before;
  });
  const sha = "a".repeat(64);
  /** A build of unreachable inputs (the checks must come first) with these spec fields, and a runner returning its error. */
  const request = (spec: Record<string, unknown>) => {
    process.env[BUILD_REQUEST_ENV] = JSON.stringify({
      namespace: "vision",
      name: "digits",
      spec: {
        model: "digits",
        version: "2.0",
        source: { uri: "https://unreachable.invalid/digits.onnx", sha256: sha, sizeBytes: 1 },
        evaluation: { uri: "https://unreachable.invalid/e.npz", sha256: sha, sizeBytes: 1 },
        targets: ["onnx-fp32"],
        ...spec,
      },
    });
    const dir = tempDir();
    const summary = join(dir, "summary");
    return {
      dir,
      run: async (...flags: string[]) => {
        expect(await job(["--work", dir, "--summary", summary, ...flags])).toBe(1);
        return (parseBuildSummary(readFileSync(summary, "utf8")) as { error: string }).error;
      },
    };
  };

  it("fails when spec.publish's signing key Secret's file is not mounted, naming the Secret and key", async () => {
    const { dir, run } = request({ publish: { to: "oci://r.example/m", signingKeyRef: { name: "digits-signing", key: "ed25519.pem" } } });
    expect(await run("--signing-key", join(dir, "absent/private-key.pem"))).toBe(
      "spec.publish.signingKeyRef: Secret digits-signing has no key ed25519.pem, or does not exist in the build's namespace: create it, then change the build's spec to run it again",
    );
  });

  it("fails when an input's pull credentials are missing or are not docker config JSON, naming the field", async () => {
    const evaluation = { uri: "oci://unreachable.invalid/e:1", sha256: sha, sizeBytes: 1, pullSecretRef: { name: "models-pull" } };
    const { dir, run } = request({ evaluation });
    expect(await run()).toBe("spec.evaluation.pullSecretRef is set but no --evaluation-pull-auth was given (the build Job mounts it)");
    expect(await run("--evaluation-pull-auth", join(dir, "absent/config.json"))).toContain(
      "spec.evaluation.pullSecretRef: Secret models-pull has no key .dockerconfigjson",
    );
    const notJson = join(dir, "config.json");
    writeFileSync(notJson, "user:password");
    expect(await run("--evaluation-pull-auth", notJson)).toContain("spec.evaluation.pullSecretRef");
  });
});
