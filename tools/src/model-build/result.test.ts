import { describe, expect, it } from "vitest";
import { gate, type Measurement, type Measurements, parseMeasurements, resultTable, targetFileName } from "./result.js";

const measurement = (target: Measurement["target"], sizeBytes: number, accuracyPercent: number): Measurement => ({
  target,
  file: `/scratch/${target}.onnx`,
  sizeBytes,
  accuracyPercent,
  latencyMs: { p50: 0.025, p95: 0.05 },
  evaluationSamples: 540,
});

const measurements: Measurements = {
  onnxruntime: "1.32.0",
  threads: 1,
  calibrationSamples: 179,
  targets: [
    measurement("onnx-fp32", 200_000, 98.15),
    measurement("onnx-int8-static", 57_000, 97.96),
    measurement("onnx-int8-dynamic", 55_000, 96.0),
  ],
};
const out = (t: string) => `/out/m-${t}.onnx`;

describe("parseMeasurements", () => {
  it("reads what build.py prints", () => {
    expect(parseMeasurements(JSON.stringify(measurements))).toEqual(measurements);
  });

  it("reads the OpenVINO version when an OpenVINO target was built", () => {
    const withOpenVino = { ...measurements, openvino: "2026.4.1", targets: [measurement("openvino-int8", 80_000, 97.78)] };
    expect(parseMeasurements(JSON.stringify(withOpenVino))).toEqual(withOpenVino);
    expect(() => parseMeasurements(JSON.stringify({ ...measurements, openvino: 2026 }))).toThrow(
      /measurements.openvino must be a string, got 2026/,
    );
  });

  it("reads the TensorFlow version when a TFLite target was built", () => {
    const withTensorFlow = { ...measurements, tensorflow: "2.21.0", targets: [measurement("tflite-int8", 64_000, 97.96)] };
    expect(parseMeasurements(JSON.stringify(withTensorFlow))).toEqual(withTensorFlow);
  });

  it.each([
    ["not json", /build.py printed no JSON measurements/],
    [JSON.stringify({ ...measurements, targets: [] }), /measurements.targets must be a non-empty array/],
    [JSON.stringify({ ...measurements, threads: "1" }), /measurements.threads must be a number, got "1"/],
    [
      JSON.stringify({ ...measurements, targets: [{ ...measurements.targets[0], target: "tensorrt-int8" }] }),
      /measurements.targets\[0\].target must be one of onnx-fp32, .*, got tensorrt-int8/,
    ],
    [
      JSON.stringify({ ...measurements, targets: [{ ...measurements.targets[0], latencyMs: { p50: 1 } }] }),
      /measurements.targets\[0\].latencyMs.p95 must be a number, got undefined/,
    ],
  ])("names the field that is wrong: %s", (text, error) => {
    expect(() => parseMeasurements(text)).toThrow(error);
  });
});

describe("gate", () => {
  it("writes targets within the allowed drop and refuses the others with the numbers", () => {
    const r = gate(measurements, ["onnx-int8-static", "onnx-int8-dynamic"], 1, out);
    expect(r.targets.map((t) => [t.target, t.verdict, t.file])).toEqual([
      ["onnx-int8-static", "written", "/out/m-onnx-int8-static.onnx"],
      ["onnx-int8-dynamic", "refused", undefined],
    ]);
    expect(r.targets[0]?.accuracyDropPoints).toBeCloseTo(0.19);
    expect(r.targets[0]?.sizeRatio).toBeCloseTo(0.285);
    expect(r.targets[1]?.reason).toBe("accuracy 96.00% is 2.15 points below the source's 98.15%, more than --max-accuracy-drop 1");
  });

  it("takes a drop of exactly the limit, and a gain", () => {
    const m = {
      ...measurements,
      targets: [measurement("onnx-fp32", 1, 90), measurement("onnx-fp16", 1, 89), measurement("onnx-int8-static", 1, 91)],
    };
    const r = gate(m, ["onnx-fp16", "onnx-int8-static"], 1, out);
    expect(r.targets.map((t) => [t.verdict, t.accuracyDropPoints])).toEqual([
      ["written", 1],
      ["written", -1],
    ]);
  });

  it("writes the source only when asked for, and needs its measurement", () => {
    expect(gate(measurements, ["onnx-int8-static"], 1, out).targets.map((t) => t.target)).toEqual(["onnx-int8-static"]);
    expect(gate(measurements, ["onnx-fp32"], 1, out).targets[0]).toMatchObject({ verdict: "written", accuracyDropPoints: 0, sizeRatio: 1 });
    expect(() => gate({ ...measurements, targets: measurements.targets.slice(1) }, ["onnx-int8-static"], 1, out)).toThrow(
      /no onnx-fp32 \(the source\)/,
    );
  });
});

describe("targetFileName", () => {
  it("names ONNX builds by their precision, OpenVINO builds as the runtime's IR artifact, TFLite builds as .tflite", () => {
    expect(targetFileName("digits", "onnx-int8-static")).toBe("digits-int8-static.onnx");
    expect(targetFileName("digits", "openvino-int8")).toBe("digits-openvino-int8.tar");
    expect(targetFileName("digits", "tflite-int8")).toBe("digits-tflite-int8.tflite");
  });
});

describe("resultTable", () => {
  it("shows each target's numbers and why one was refused", () => {
    const text = resultTable({
      model: "m.onnx",
      evaluation: { dataset: "eval.npz", sha256: "a".repeat(64) },
      ...gate(measurements, ["onnx-fp32", "onnx-int8-dynamic"], 1, out),
    });
    expect(text).toContain("TARGET             SIZE");
    expect(text).toMatch(/onnx-fp32 +195\.3 KiB +100% +98\.15% +0\.00 pt +25 µs +50 µs +written \/out\/m-onnx-fp32\.onnx/);
    expect(text).toMatch(/onnx-int8-dynamic +53\.7 KiB +28% +96\.00% +2\.15 pt .* REFUSED/);
    expect(text).toContain("onnx-int8-dynamic refused: accuracy 96.00% is 2.15 points below");
    expect(text).toContain("on 540 evaluation samples; latency of one inference with ONNX Runtime 1.32.0 on this CPU, 1 thread(s)");
  });
});
