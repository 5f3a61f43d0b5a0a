import { Type } from "@sinclair/typebox";
import { describe, expect, it } from "vitest";
import { Quantity, StringEnum, StringMap } from "./kube-schema.js";
import { toOpenAPI } from "./openapi.js";

describe("toOpenAPI", () => {
  it("rewrites TypeBox's JSON Schema forms into the ones CustomResourceDefinitions take", () => {
    const schema = Type.Object(
      {
        format: StringEnum(["onnx", "tflite"], { description: "f", default: "onnx" }),
        labels: Type.Optional(StringMap(Type.String({ description: "v" }), { description: "m" })),
        watts: Type.Number({ exclusiveMinimum: 0, exclusiveMaximum: 500, description: "w" }),
        amount: Quantity({ description: "q" }),
      },
      { $id: "Thing", description: "t" },
    );
    const out = toOpenAPI(schema);
    expect(out).toEqual({
      type: "object",
      description: "t",
      required: ["format", "watts", "amount"],
      properties: {
        format: { type: "string", enum: ["onnx", "tflite"], default: "onnx", description: "f" },
        labels: { type: "object", description: "m", additionalProperties: { type: "string", description: "v" } },
        watts: { type: "number", description: "w", minimum: 0, exclusiveMinimum: true, maximum: 500, exclusiveMaximum: true },
        amount: {
          description: "q",
          anyOf: [{ type: "integer" }, { type: "string" }],
          pattern: expect.stringMatching(/^\^/),
          "x-kubernetes-int-or-string": true,
        },
      },
    });
    expect(Object.getOwnPropertySymbols(out)).toEqual([]);
  });

  it("emits a one-value enum for a union of one literal, which TypeBox collapses", () => {
    expect(toOpenAPI(StringEnum(["open-inference-v2"], { description: "p" }))).toEqual({
      type: "string",
      enum: ["open-inference-v2"],
      description: "p",
    });
  });

  it("refuses a map with several value schemas, naming the field", () => {
    const schema = Type.Object({ m: Type.Object({}, { patternProperties: { a: Type.String(), b: Type.String() } }) });
    expect(() => toOpenAPI(schema)).toThrow("schema at .m: a map needs exactly one value schema");
  });
});
