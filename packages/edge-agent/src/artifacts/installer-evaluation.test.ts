import { createHash, randomBytes } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { jsonLogger, useTempDirs } from "@edgefleet/kit";
import { describe, expect, it } from "vitest";
import { ArtifactCache } from "./cache.js";
import { Installer, type InstallOutcome } from "./installer.js";
import { FailureReporter } from "./reporter.js";

const tempDir = useTempDirs("installer-evaluation");
const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

/** A file:// source holding bytes, as a registry would serve them. */
function source(name: string, bytes: Uint8Array) {
  const path = join(tempDir(), name);
  writeFileSync(path, bytes);
  return { uri: pathToFileURL(path).href, sha256: sha256(bytes), sizeBytes: bytes.length };
}

function node(evaluationMaxBytes?: number) {
  const logs: Record<string, unknown>[] = [];
  const log = jsonLogger({ write: (line) => logs.push(JSON.parse(line)) });
  const cache = ArtifactCache.open({ root: tempDir() });
  const reporter = new FailureReporter(log);
  const installer = new Installer({ cache, requireSignature: false, reporter, log, ...(evaluationMaxBytes ? { evaluationMaxBytes } : {}) });
  const model = source("model.onnx", randomBytes(4096));
  const install = (evaluation: { uri: string; sha256: string }) =>
    installer.install({ namespace: "vision", model: "detector", version: "1.0.0", artifact: model, evaluation });
  return { cache, reporter, install, logs };
}

const evaluationOf = (outcome: InstallOutcome) => (outcome.installed ? outcome.evaluation : `refused: ${outcome.refusal.message}`);

describe("the installer's evaluation data", () => {
  it("stores it in the cache by digest, pinned with the version, and reuses it", async () => {
    const n = node();
    const data = source("evaluation.npz", randomBytes(1000));
    expect(evaluationOf(await n.install(data))).toEqual({ stored: true, downloaded: true });
    expect(readFileSync(n.cache.blobPath(data.sha256))).toEqual(readFileSync(new URL(data.uri)));
    expect(n.cache.state("vision", "detector")?.active.evaluationSha256).toBe(data.sha256);
    // Eviction making room for everything leaves it: the agent reads it for as long as the version is kept.
    expect(n.cache.evict(n.cache.maxBytes).map((f) => f.sha256)).toEqual([]);
    expect(evaluationOf(await n.install(data))).toEqual({ stored: true, downloaded: false });
  });

  it("refuses data that does not hash to its sha256, and the model still installs", async () => {
    const n = node();
    const data = source("evaluation.npz", randomBytes(1000));
    const wrong = "0".repeat(64);
    const outcome = await n.install({ uri: data.uri, sha256: wrong });
    expect(outcome).toMatchObject({ installed: true, state: { active: { version: "1.0.0", evaluationSha256: wrong } } });
    expect(evaluationOf(outcome)).toEqual({
      stored: false,
      error: `${data.uri} has sha256 ${data.sha256}, the evaluation's sha256 is ${wrong}`,
    });
    expect(existsSync(n.cache.blobPath(wrong))).toBe(false);
    expect(n.logs.find((l) => l.level === "warn")).toMatchObject({
      msg: "evaluation data not stored; the model serves and is probed with synthetic inputs",
      sha256: wrong,
    });
    // Not an artifact refusal: rollout analysis counts those against the version, which serves fine.
    expect(n.reporter.take()).toEqual([]);
  });

  it("fetches no more than evaluationMaxBytes", async () => {
    const n = node(100);
    const data = source("evaluation.npz", randomBytes(1000));
    expect(evaluationOf(await n.install(data))).toEqual({
      stored: false,
      error: `${data.uri} is larger than the 100 bytes allowed (--evaluation-max-bytes)`,
    });
    expect(n.cache.blobSize(data.sha256)).toBeUndefined();
  });

  it("installs and activates the model when the data cannot be fetched", async () => {
    const n = node();
    const missing = { uri: pathToFileURL(join(tempDir(), "missing.npz")).href, sha256: "e".repeat(64) };
    const outcome = await n.install(missing);
    expect(outcome).toMatchObject({ installed: true, downloaded: true, evaluation: { stored: false } });
    expect(evaluationOf(outcome)).toMatchObject({ error: expect.stringContaining("missing.npz: ENOENT") });
    expect(n.cache.active("vision", "detector")?.version).toBe("1.0.0");
  });
});
