import { describe, expect, it } from "vitest";
import { parseInputs, syntheticRequest } from "./synthetic.js";

describe("synthetic infer requests", () => {
  it("fill every input with zeros, open dimensions as 1", () => {
    const inputs = parseInputs({
      inputs: [
        { name: "input", datatype: "FP32", shape: [-1, 3, 2, 2] },
        { name: "ids", datatype: "INT64", shape: [2] },
      ],
    });
    expect(JSON.parse(syntheticRequest(inputs))).toEqual({
      id: "edgefleet-probe",
      inputs: [
        { name: "input", datatype: "FP32", shape: [1, 3, 2, 2], data: new Array(12).fill(0) },
        { name: "ids", datatype: "INT64", shape: [2], data: [0, 0] },
      ],
    });
  });

  it("refuse metadata they cannot build from, saying why", () => {
    expect(() => parseInputs({ outputs: [] })).toThrow(/no inputs array/);
    expect(() => parseInputs({ inputs: [{ name: "x", shape: [1] }] })).toThrow(/inputs\[0\] needs a name, a datatype and an integer shape/);
    expect(() => syntheticRequest([{ name: "text", datatype: "BYTES", shape: [1] }])).toThrow(/input "text" is BYTES/);
  });
});
