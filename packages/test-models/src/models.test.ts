import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { InferenceSession, Tensor } from "onnxruntime-node";
import { afterAll, describe, expect, it } from "vitest";
import { buildCnn, IMAGE_SIZE, INPUT_NAME, OUTPUT_NAME } from "./cnn.js";
import { buildHeavyModel, buildModels, HEAVY_SPEC, MODEL_SPECS } from "./models.js";

const dir = mkdtempSync(join(tmpdir(), "edgefleet-models-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("ONNX test models", () => {
  it("are the same bytes on every build", () => {
    // Pinned: a change to these bytes must come with a new GENERATOR_VERSION or model version.
    expect(Object.fromEntries(buildModels().map((m) => [m.fileName, m.sha256]))).toEqual({
      "detector-1.0.0.onnx": "f7d1d4f705fc80ca0c4ac70a00804c842357a1bb46d3480b63e1b2a9849d627b",
      "detector-slow-2.0.0.onnx": "20a4469c1119480553c9db7b20c34dec1f108f47376633e99eec33492a135b7b",
    });
    const [a, b] = [buildModels(), buildModels()];
    expect(a.map((m) => m.sha256)).toEqual(b.map((m) => m.sha256));
    expect(Buffer.from(a[0]?.bytes ?? []).equals(Buffer.from(b[0]?.bytes ?? []))).toBe(true);
  });

  const loadable = [
    ...buildModels().map((m) => ({ fileName: m.fileName, bytes: m.bytes, spec: MODEL_SPECS.find((s) => s.name === m.name) })),
    { fileName: "HEAVY_SPEC's model", bytes: buildHeavyModel(), spec: HEAVY_SPEC },
  ];
  it.each(loadable)("$fileName loads in onnxruntime and gives class scores that sum to 1", async ({ bytes, spec }) => {
    const session = await InferenceSession.create(bytes);
    try {
      expect(session.inputMetadata).toEqual([
        { name: INPUT_NAME, isTensor: true, type: "float32", shape: ["batch", 3, IMAGE_SIZE, IMAGE_SIZE] },
      ]);
      expect(session.outputMetadata).toEqual([{ name: OUTPUT_NAME, isTensor: true, type: "float32", shape: ["batch", spec?.classes] }]);
      const batch = 2;
      const pixels = Float32Array.from({ length: batch * 3 * IMAGE_SIZE * IMAGE_SIZE }, (_, i) => (i % 251) / 251);
      const out = await session.run({ [INPUT_NAME]: new Tensor("float32", pixels, [batch, 3, IMAGE_SIZE, IMAGE_SIZE]) });
      const scores = out[OUTPUT_NAME];
      expect(scores?.dims).toEqual([batch, spec?.classes]);
      const data = Array.from(scores?.data as Float32Array);
      for (let row = 0; row < batch; row++) {
        const probabilities = data.slice(row * (spec?.classes ?? 0), (row + 1) * (spec?.classes ?? 0));
        expect(probabilities.every((p) => p > 0 && p < 1)).toBe(true);
        expect(probabilities.reduce((s, p) => s + p, 0)).toBeCloseTo(1, 5);
      }
    } finally {
      await session.release();
    }
  });

  it("runs a repeated layer with its one set of weights, and refuses a repeat it cannot run", () => {
    const once = buildCnn({ ...HEAVY_SPEC, convs: HEAVY_SPEC.convs.map((c) => ({ ...c, repeat: 1 })) }, "t").length;
    expect(buildHeavyModel().length).toBeLessThan(once * 1.1);
    const { convs: _, ...rest } = HEAVY_SPEC;
    expect(() => buildCnn({ ...rest, convs: [{ channels: 8, stride: 1, repeat: 2 }] }, "t")).toThrow(
      /convs\[0\] repeats with 3 channels in and 8 out; a repeated layer needs as many in as out/,
    );
    expect(() => buildCnn({ ...rest, convs: [{ channels: 8, stride: 1, repeat: 0 }] }, "t")).toThrow(
      /convs\[0\]\.repeat must be a positive integer, got 0/,
    );
  });

  it("CLI writes <name>-<version>.onnx and SHA256SUMS that sha256sum accepts", () => {
    const out = execFileSync("node", ["--import", "tsx", "tools/src/models/cli.ts", "--out", dir], { encoding: "utf8" });
    const names = buildModels().map((m) => m.fileName);
    expect(readdirSync(dir).sort()).toEqual([...names, "SHA256SUMS"].sort());
    expect(out.trim().split("\n")).toHaveLength(names.length);
    expect(execFileSync("sha256sum", ["-c", "SHA256SUMS"], { cwd: dir, encoding: "utf8" })).toContain(`${names[0]}: OK`);
    expect(readFileSync(join(dir, names[0] ?? "")).length).toBeGreaterThan(0);
  });

  it("CLI names a bad flag and shows help", () => {
    expect(() => execFileSync("node", ["--import", "tsx", "tools/src/models/cli.ts", "--output", dir], { stdio: "pipe" })).toThrow(
      /Unknown option '--output'[\s\S]*Usage: tools\/edgefleet models/,
    );
  });
});
