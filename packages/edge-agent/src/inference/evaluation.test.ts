import { createHash } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { FakeClock, useTempDirs } from "@edgefleet/kit";
import { describe, expect, it } from "vitest";
import { evaluationRequest, parseEvaluation, predictedClass } from "./evaluation.js";
import { cachedEvaluation, EvaluationStore } from "./evaluation-store.js";
import { STORED } from "./npz-fixtures.test-support.js";

const set = parseEvaluation(STORED, "e.npz");
const input = (shape: number[], datatype = "FP32") => [{ name: "x", datatype, shape }];

describe("evaluationRequest", () => {
  it("sends one sample with a batch of 1 to the model's one FP32 input", () => {
    expect(JSON.parse(evaluationRequest(input([-1, 3]), set, 1))).toEqual({
      id: "edgefleet-evaluation",
      inputs: [{ name: "x", datatype: "FP32", shape: [1, 3], data: [0.25, 0, 2] }],
    });
  });

  it.each([
    ["a sample shape the model does not take", input([-1, 4]), /input "x" has shape \[-1, 4\], an evaluation sample is \[1, 3\]/],
    ["another input datatype", input([-1, 3], "INT8"), /input "x" is INT8: evaluation samples are FP32/],
    ["two inputs", [...input([-1, 3]), ...input([-1, 3])], /the model has 2 inputs/],
  ])("refuses %s", (_, inputs, error) => {
    expect(() => evaluationRequest(inputs, set, 0)).toThrow(error);
  });
});

describe("predictedClass", () => {
  it("takes an integer first output as the label and the argmax of scores otherwise, as the build does", () => {
    expect(predictedClass({ outputs: [{ datatype: "INT64", data: [7] }] })).toBe(7);
    expect(predictedClass({ outputs: [{ datatype: "FP32", data: [0.1, 0.7, 0.2] }, { data: [0] }] })).toBe(1);
    expect(() => predictedClass({ outputs: [] })).toThrow(/no numeric outputs\[0\]\.data/);
  });
});

describe("EvaluationStore", () => {
  const tempDir = useTempDirs("evaluation-store");
  const sha256 = createHash("sha256").update(STORED).digest("hex");
  const evaluation = { uri: "https://data.example/e.npz", sha256, samples: 2 };
  const flush = () => new Promise((r) => setTimeout(r, 0));

  it("reads once, and never parses bytes another digest than the assigned one; tries again after retryMs", async () => {
    const clock = new FakeClock();
    let downloads = 0;
    let failures = 0;
    let bytes: Uint8Array = Buffer.concat([STORED, Buffer.from("tampered")]);
    const store = new EvaluationStore({
      read: async () => {
        downloads++;
        return bytes;
      },
      maxBytes: 1 << 20,
      retryMs: 60_000,
      failed: () => failures++,
      clock,
    });
    expect(store.get(evaluation)).toBeUndefined();
    await flush();
    expect([downloads, failures]).toEqual([1, 1]);
    expect(store.get(evaluation)).toBeUndefined(); // not due again yet
    bytes = STORED;
    clock.advance(60_000);
    expect(store.get(evaluation)).toBeUndefined();
    await flush();
    expect(store.get(evaluation)?.labels).toEqual([1, 2]);
    expect(store.get(evaluation)?.labels).toEqual([1, 2]);
    expect([downloads, failures]).toEqual([2, 1]);
    store.retain(new Set());
    expect(store.get(evaluation)).toBeUndefined();
  });

  it("reads the node's artifact cache, where the artifact installer stored it, and probes synthetically until it is there", async () => {
    const root = tempDir();
    const clock = new FakeClock();
    let failures = 0;
    const store = new EvaluationStore({ read: cachedEvaluation(root), maxBytes: 1 << 20, failed: () => failures++, clock });
    expect(store.get(evaluation)).toBeUndefined();
    await expect.poll(() => failures).toBe(1);
    mkdirSync(join(root, "blobs", "sha256"), { recursive: true });
    writeFileSync(join(root, "blobs", "sha256", sha256), STORED);
    clock.advance(60_000); // the default retry
    expect(store.get(evaluation)).toBeUndefined();
    await expect.poll(() => store.get(evaluation)?.labels).toEqual([1, 2]);
    expect(failures).toBe(1);
  });

  it("refuses a cached file larger than the bound, and names why the data is missing", async () => {
    const root = tempDir();
    const read = cachedEvaluation(root);
    await expect(read(evaluation, 1 << 20)).rejects.toThrow(
      /not in the node's artifact cache \(.*\) yet: the runtime's artifact install logs why/,
    );
    mkdirSync(join(root, "blobs", "sha256"), { recursive: true });
    writeFileSync(join(root, "blobs", "sha256", sha256), STORED);
    await expect(read(evaluation, 10)).rejects.toThrow(`has ${STORED.length} bytes, more than --evaluation-max-bytes (10)`);
    expect(Buffer.from(await read(evaluation, 1 << 20))).toEqual(Buffer.from(STORED));
  });
});
