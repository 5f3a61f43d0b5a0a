import { afterEach, describe, expect, it, vi } from "vitest";
import { ReportedFailure, subcommands } from "./subcommands.js";

describe("subcommands", () => {
  afterEach(() => vi.restoreAllMocks());

  it("prints an error's message with exit code 1, and nothing more for a failure a child already reported", async () => {
    const printed = vi.spyOn(console, "error").mockImplementation(() => {});
    const commands = {
      broken: async () => Promise.reject(new Error("--model x.onnx is not an ONNX model")),
      reported: async () => Promise.reject(new ReportedFailure("build.py build exited with 3", 3)),
    };
    expect(await subcommands("model", "usage", commands, ["broken"])).toBe(1);
    expect(printed.mock.calls).toEqual([["model: --model x.onnx is not an ONNX model"]]);
    printed.mockClear();
    expect(await subcommands("model", "usage", commands, ["reported"])).toBe(3);
    expect(printed).not.toHaveBeenCalled();
  });
});
