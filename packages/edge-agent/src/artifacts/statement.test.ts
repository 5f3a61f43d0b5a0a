import { describe, expect, it } from "vitest";
import { canonicalStatement, checkStatement, SCOPED_STATEMENT_TYPE, STATEMENT_TYPE } from "./statement.js";

const SHA = "ab".repeat(32);

describe("canonicalStatement", () => {
  it("is compact JSON with the keys in code-point order, whatever order they came in", () => {
    const bytes = canonicalStatement({ version: "2026.11.1", sha256: SHA, model: "detector" });
    expect(bytes.toString("utf8")).toBe(`{"model":"detector","sha256":"${SHA}","type":"${STATEMENT_TYPE}","version":"2026.11.1"}`);
  });

  it("refuses values outside the EdgeModel's forms, naming the field", () => {
    expect(() => canonicalStatement({ model: "Detector", version: "1", sha256: SHA })).toThrow(/model must be a DNS label/);
    expect(() => canonicalStatement({ model: "d", version: "1 ", sha256: SHA })).toThrow(/version must be/);
    expect(() => canonicalStatement({ model: "d", version: "1", sha256: SHA.toUpperCase() })).toThrow(/sha256 must be 64 lowercase hex/);
  });
});

describe("checkStatement", () => {
  it("wants the statement type and no other fields", () => {
    expect(() => checkStatement({ model: "d", version: "1", sha256: SHA })).toThrow(/type must be/);
    expect(() => checkStatement({ type: STATEMENT_TYPE, model: "d", version: "1", sha256: SHA, size: 3 })).toThrow(/unknown fields: size/);
    expect(checkStatement({ type: STATEMENT_TYPE, model: "d", version: "1", sha256: SHA })).toEqual({
      model: "d",
      version: "1",
      sha256: SHA,
    });
  });
});

describe("the scoped statement (v2)", () => {
  it("names namespace and variant, its keys in code-point order", () => {
    const bytes = canonicalStatement({ version: "1", sha256: SHA, model: "detector", variant: "onnx-fp32", namespace: "vision" });
    expect(bytes.toString("utf8")).toBe(
      `{"model":"detector","namespace":"vision","sha256":"${SHA}","type":"${SCOPED_STATEMENT_TYPE}","variant":"onnx-fp32","version":"1"}`,
    );
  });

  it("needs both namespace and variant, and v1 takes neither", () => {
    expect(() => canonicalStatement({ model: "d", version: "1", sha256: SHA, namespace: "vision" })).toThrow(/variant must be a DNS label/);
    expect(() => checkStatement({ type: STATEMENT_TYPE, model: "d", version: "1", sha256: SHA, namespace: "vision" })).toThrow(
      /unknown fields: namespace/,
    );
  });
});
