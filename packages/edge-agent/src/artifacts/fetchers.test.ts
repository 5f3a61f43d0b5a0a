import { describe, expect, it } from "vitest";
import { createFetcher } from "./fetchers.js";

describe("createFetcher", () => {
  it("picks a fetcher by URI scheme", () => {
    expect(createFetcher("https://models.example/detector.onnx")).toBeDefined();
    expect(createFetcher("file:///var/lib/models/detector.onnx")).toBeDefined();
    expect(createFetcher("oci://registry.example:5000/models/detector:1.0.0")).toBeDefined();
  });

  it("names the supported schemes for any other URI", () => {
    expect(() => createFetcher("s3://bucket/detector.onnx")).toThrow(
      'unsupported artifact URI "s3://bucket/detector.onnx": scheme must be one of https://, oci://, file://',
    );
    expect(() => createFetcher("detector.onnx")).toThrow(/scheme must be one of https:\/\/, oci:\/\/, file:\/\//);
  });
});
