import { describe, expect, it } from "vitest";
import { parseOptions } from "./options.js";

const options = (...argv: string[]) => {
  const parsed = parseOptions(argv);
  if (parsed.help) throw new Error("help");
  return parsed.options;
};

describe("the CPU runtime's flags", () => {
  it("serve one model by default, naming the flags it needs", () => {
    expect(options("--model-name=vision/detector", "--model-version=1.0.0", "--model-path=/m.onnx")).toMatchObject({
      control: "none",
      options: { modelName: "detector", modelVersion: "1.0.0", modelPath: "/m.onnx" },
    });
    expect(() => options("--model-version=1.0.0", "--model-path=/m.onnx")).toThrow(
      "--model-name is required (or start with --model-control-mode explicit to load models through /v2/repository)",
    );
    expect(() => options("--model-name=d", "--model-version=1", "--model-path=/m", "--http-restricted-api=model-repository:k=v")).toThrow(
      "--http-restricted-api restricts the model repository API, which only --model-control-mode explicit serves",
    );
  });

  it("take explicit model control with Triton's restriction of the model repository API, and refuse one model's flags then", () => {
    expect(options("--model-control-mode=explicit", "--http-restricted-api=model-repository:Edgefleet-Load-Key=s3=cret")).toMatchObject({
      control: "explicit",
      options: { restricted: { header: "edgefleet-load-key", value: "s3=cret" }, maxLoadBytes: 512 * 1024 * 1024 },
    });
    expect(() => options("--model-control-mode=explicit", "--model-path=/m.onnx")).toThrow(
      "--model-path names the one model a runtime serves; under --model-control-mode explicit models are loaded through POST /v2/repository/models/NAME/load",
    );
    expect(() => options("--model-control-mode=explicit", "--http-restricted-api=inference:k=v")).toThrow(
      /--http-restricted-api must be model-repository:HEADER=VALUE/,
    );
  });
});
