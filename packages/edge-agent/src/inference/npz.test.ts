import { describe, expect, it } from "vitest";
import { parseEvaluation } from "./evaluation.js";
import { parseNpz } from "./npz.js";
import { DEFLATED, edited, STORED } from "./npz-fixtures.test-support.js";

describe("parseNpz", () => {
  it.each([
    ["stored", STORED],
    ["deflated", DEFLATED],
  ])("reads numpy's %s arrays: float32 inputs and int64 labels", (_, bytes) => {
    const arrays = parseNpz(bytes, "e.npz");
    expect([...arrays.keys()]).toEqual(["inputs", "labels"]);
    expect(arrays.get("inputs")).toMatchObject({ dtype: "float32", shape: [2, 3] });
    expect(arrays.get("inputs")?.data).toEqual(new Float32Array([0.5, 1, 0, 0.25, 0, 2]));
    expect(arrays.get("labels")).toMatchObject({ dtype: "int64", shape: [2], data: new BigInt64Array([1n, 2n]) });
  });

  it.each([
    ["another dtype, naming the file, the array and the dtype", edited("'<f4'", "'<f8'"), /e\.npz: inputs\.npy: dtype <f8 is not read/],
    ["Fortran order", edited("'fortran_order': False", "'fortran_order': True "), /inputs\.npy: is in Fortran order/],
    [
      "data shorter than its shape",
      edited("(2, 3)", "(2, 4)"),
      /inputs\.npy: holds 24 bytes of data, its shape \(2, 4\) of float32 needs 32/,
    ],
    ["what is not a zip", Buffer.from("not a zip at all, just some text long enough to scan"), /e\.npz: not a zip file/],
    ["a truncated file", STORED.subarray(0, 200), /e\.npz: not a zip file/],
  ])("refuses %s", (_, bytes, error) => {
    expect(() => parseNpz(bytes, "e.npz")).toThrow(error);
  });

  it("refuses an entry that inflates past the bound", () => {
    expect(() => parseNpz(STORED, "e.npz", 100)).toThrow(/inputs\.npy is 152 bytes, more than the 100 allowed/);
  });
});

describe("parseEvaluation", () => {
  it("reads the samples' shape, inputs and labels", () => {
    const set = parseEvaluation(DEFLATED, "e.npz");
    expect(set.sampleShape).toEqual([3]);
    expect(set.labels).toEqual([1, 2]);
  });

  it("refuses labels that are not one per sample, and data without labels", () => {
    expect(() => parseEvaluation(edited("(2,)", "(1,)"), "e.npz")).toThrow(/labels\.npy: holds 16 bytes of data/);
    expect(() => parseEvaluation(edited("labels.npy", "labelz.npy"), "e.npz")).toThrow(
      /e\.npz: evaluation data needs the arrays inputs and labels, it has inputs, labelz/,
    );
  });
});
