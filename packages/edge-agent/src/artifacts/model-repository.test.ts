import { createHash } from "node:crypto";
import { readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { useTempDirs } from "@edgefleet/kit";
import { describe, expect, it } from "vitest";
import { layOutModel } from "./model-repository.js";

const tempDir = useTempDirs("model-repository");

describe("layOutModel", () => {
  const blobOf = (bytes: string) => {
    const blob = join(tempDir(), "blob");
    writeFileSync(blob, bytes);
    return { blob, sha256: createHash("sha256").update(bytes).digest("hex") };
  };

  it("copies the verified blob into Triton's layout, read-only, with a config naming the platform", async () => {
    const dir = tempDir();
    const path = await layOutModel({ ...blobOf("engine bytes"), dir, layout: "triton", name: "detector", format: "tensorrt" });
    expect(path).toBe(join(dir, "detector/1/model.plan"));
    expect(readFileSync(path, "utf8")).toBe("engine bytes");
    expect(statSync(path).mode & 0o777).toBe(0o444);
    expect(readFileSync(join(dir, "detector/config.pbtxt"), "utf8")).toContain('name: "detector"\nplatform: "tensorrt_plan"\n');
    // A restarted init container lays it out again over the first copy.
    const again = await layOutModel({ ...blobOf("onnx bytes"), dir, layout: "triton", name: "detector", format: "onnx" });
    expect(readFileSync(again, "utf8")).toBe("onnx bytes");
    expect(readFileSync(join(dir, "detector/config.pbtxt"), "utf8")).toContain('platform: "onnxruntime_onnx"');
  });

  it("refuses a blob that no longer hashes as verified, and a format the layout has no place for", async () => {
    const dir = tempDir();
    const { blob } = blobOf("swapped");
    await expect(layOutModel({ blob, sha256: "0".repeat(64), dir, layout: "triton", name: "m", format: "tensorrt" })).rejects.toThrow(
      /has sha256 [0-9a-f]{64}, not 0{64}: it changed after it was verified/,
    );
    await expect(layOutModel({ ...blobOf("ir"), dir, layout: "triton", name: "m", format: "openvino" })).rejects.toThrow(
      "--model-repository-layout triton lays out tensorrt and onnx files, not openvino",
    );
  });
});
