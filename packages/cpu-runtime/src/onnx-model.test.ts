import { createHash } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { useTempDirs } from "@edgefleet/kit";
import { buildModels } from "@edgefleet/test-models";
import { describe, expect, it } from "vitest";
import { loadModel } from "./onnx-model.js";
import { warmUp } from "./served-model.js";

const tempDir = useTempDirs("runtime-model");

describe("loadModel", () => {
  it("loads an ONNX file with its tensor specs, warmed up on zero inputs before it is served", async () => {
    const [detector] = buildModels();
    if (!detector) throw new Error("no test model");
    const path = join(tempDir(), detector.fileName);
    writeFileSync(path, detector.bytes);
    const model = await loadModel({ name: "detector", version: "1.0.0", path, intraOpThreads: 1 });
    expect(model.inputs.map((i) => [i.name, i.datatype])).toEqual([["input", "FP32"]]);
    let runs = 0;
    const run = model.session.run.bind(model.session);
    model.session.run = ((...args: Parameters<typeof run>) => {
      runs++;
      return run(...args);
    }) as typeof model.session.run;
    await warmUp(model, 2);
    expect(runs).toBe(2);
    await model.session.release();
  });

  it("with a sha256, loads the bytes it hashed, and refuses a file that does not hash to it", async () => {
    const [detector] = buildModels();
    if (!detector) throw new Error("no test model");
    const path = join(tempDir(), detector.fileName);
    writeFileSync(path, detector.bytes);
    const sha256 = createHash("sha256").update(detector.bytes).digest("hex");
    const model = await loadModel({ name: "detector", version: "1.0.0", path, sha256, intraOpThreads: 1 });
    expect(model.outputs.map((o) => o.name)).toEqual(["scores"]);
    await model.session.release();
    writeFileSync(path, Buffer.concat([detector.bytes, Buffer.from([0])]));
    await expect(loadModel({ name: "detector", version: "1.0.0", path, sha256 })).rejects.toThrow(
      `has sha256 ${createHash("sha256")
        .update(Buffer.concat([detector.bytes, Buffer.from([0])]))
        .digest("hex")}, not ${sha256} (--model-sha256)`,
    );
  });
});
