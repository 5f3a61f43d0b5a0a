import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { useTempDirs } from "@edgefleet/kit";
import { describe, expect, it } from "vitest";
import { readInferenceTargets } from "./inference-targets.js";

const tempDir = useTempDirs("targets");
const file = (content: unknown) => {
  const path = join(tempDir(), "targets.json");
  writeFileSync(path, typeof content === "string" ? content : JSON.stringify(content));
  return path;
};
const target = {
  baseUrl: "http://127.0.0.1:8081",
  namespace: "vision",
  model: "detector",
  version: "1.0.0",
  variant: "cpu-fp32",
  runtime: "onnx",
};

describe("readInferenceTargets", () => {
  it("reads targets, keeping runtimeMetrics only when set", () => {
    expect(readInferenceTargets(file([target, { ...target, runtimeMetrics: true }]))).toEqual([
      target,
      { ...target, runtimeMetrics: true },
    ]);
  });

  it.each([
    ["{", /--inference-targets .*targets.json: /],
    [{ targets: [] }, /expected a JSON array/],
    [[{ ...target, model: "" }], /entry 0: model must be a non-empty string/],
    [[target, { ...target, baseUrl: "unix:/x" }], /entry 1: baseUrl must be an http\(s\) URL/],
    [[{ ...target, runtimeMetrics: "yes" }], /entry 0: runtimeMetrics must be true or false/],
  ])("names the flag, the entry and the field for %j", (content, message) => {
    expect(() => readInferenceTargets(file(content))).toThrow(message);
  });
});
