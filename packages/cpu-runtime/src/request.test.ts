import { describe, expect, it } from "vitest";
import { byOrtType } from "./datatypes.js";
import { ProtocolError } from "./errors.js";
import { DEFAULT_MAX_BATCH, defaultMaxInputBytes, inferRequestParser, MIN_MAX_INPUT_BYTES } from "./request.js";
import type { LoadedModel } from "./served-model.js";

const fp32 = (name: string, shape: number[]) => ({ name, datatype: "FP32", shape, type: byOrtType.get("float32") });
const model = {
  name: "detector",
  version: "1",
  inputs: [fp32("input", [-1, 3, 2, 2])],
  outputs: [fp32("scores", [-1, 10])],
} as LoadedModel;
const body = (shape: number[], data: number[] = []) =>
  Buffer.from(JSON.stringify({ inputs: [{ name: "input", shape, datatype: "FP32", data }] }));
const refusal = (f: () => unknown) => {
  try {
    f();
  } catch (err) {
    return err instanceof ProtocolError ? { status: err.status, message: err.message } : err;
  }
  return undefined;
};

describe("infer request bound on input memory", () => {
  it("defaults to DEFAULT_MAX_BATCH samples of the inputs, open dimensions as 1, and at least MIN_MAX_INPUT_BYTES", () => {
    expect(defaultMaxInputBytes(model.inputs)).toBe(MIN_MAX_INPUT_BYTES);
    const image = [fp32("image", [-1, 3, 224, 224])];
    expect(defaultMaxInputBytes(image)).toBe(3 * 224 * 224 * 4 * DEFAULT_MAX_BATCH);
  });

  it("takes a batch within the bound", () => {
    const parse = inferRequestParser(model, 2 * 12 * 4);
    expect(Object.keys(parse(body([2, 3, 2, 2], new Array(24).fill(0.5)), undefined).feeds)).toEqual(["input"]);
  });

  it("refuses a batch over the bound as the client's error naming the field, before reading its data", () => {
    const parse = inferRequestParser(model, 2 * 12 * 4);
    expect(refusal(() => parse(body([3, 3, 2, 2]), undefined))).toEqual({
      status: 400,
      message: expect.stringMatching(/^inputs\[0\]\.shape: \[3,3,2,2\] takes 144 bytes, over the 96 bytes left .*--max-input-bytes/),
    });
    // Far past what a typed array can hold: still a 400, never a RangeError (a 500, read as the model's error).
    expect(refusal(() => inferRequestParser(model, defaultMaxInputBytes(model.inputs))(body([2 ** 40, 3, 2, 2]), undefined))).toMatchObject(
      {
        status: 400,
      },
    );
  });

  it("refuses an empty tensor, which has nothing to infer", () => {
    expect(refusal(() => inferRequestParser(model, 1000)(body([0, 3, 2, 2]), undefined))).toEqual({
      status: 400,
      message: "inputs[0].shape: [0,3,2,2] has a 0 dimension; every dimension must be at least 1",
    });
  });
});
