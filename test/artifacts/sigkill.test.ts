import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { ArtifactCache, checkCache, encodeEnvelope, generateSigningKey, Installer, signFile } from "@edgefleet/edge-agent";
import { useTempDirs } from "@edgefleet/kit";
import { describe, expect, it } from "vitest";
import { CHILD_MAX_BYTES, CHILD_VERSIONS, childArtifact } from "./install-child.js";

const tempDir = useTempDirs("artifact-sigkill");
const child = fileURLToPath(new URL("./install-child.ts", import.meta.url));
// `--import tsx` resolves from the working directory, so run where node_modules is.
const repoRoot = fileURLToPath(new URL("../..", import.meta.url));

/** Four signed 2 MiB versions: three never fit the 5 MiB cache, so every cycle evicts and downloads. */
function publishAll(dir: string): void {
  const key = generateSigningKey();
  writeFileSync(join(dir, "key.pub.pem"), key.publicKeyPem);
  for (const version of CHILD_VERSIONS) {
    const file = join(dir, `${version}.onnx`);
    writeFileSync(file, randomBytes(2 * 1024 * 1024));
    const signed = signFile({ file, model: "detector", version, privateKeyPem: key.privateKeyPem });
    writeFileSync(`${file}.sig`, encodeEnvelope(signed.envelope));
    writeFileSync(`${file}.json`, JSON.stringify({ sha256: signed.sha256, sizeBytes: signed.sizeBytes }));
  }
}

/** Runs the child until its stdout shows `stopAt` lines matching `when`, waits `delayMs`, then SIGKILLs it. */
function killWhen(root: string, dir: string, when: RegExp, stopAt: number, delayMs: number): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, ["--import", "tsx", child, root, dir], { cwd: repoRoot, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    let armed = false;
    proc.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      if (!armed && out.split("\n").filter((l) => when.test(l)).length >= stopAt) {
        armed = true;
        setTimeout(() => proc.kill("SIGKILL"), delayMs);
      }
    });
    proc.stderr.on("data", (chunk: Buffer) => {
      err += chunk.toString();
    });
    proc.on("error", reject);
    proc.on("exit", (_code, signal) => {
      if (signal !== "SIGKILL") reject(new Error(`install child exited without being killed: ${err}`));
      else resolve(out.split("\n").slice(0, -1));
    });
  });
}

describe("artifact cache under SIGKILL", () => {
  it("stays consistent when the agent is killed mid-download and mid-switch, and resumes", async () => {
    const root = tempDir();
    const dir = tempDir();
    publishAll(dir);
    const rounds = [
      { when: /^downloading/, stopAt: 3, delayMs: 0 },
      { when: /^installed/, stopAt: 2, delayMs: 3 },
      { when: /^downloading/, stopAt: 2, delayMs: 0 },
      { when: /^(installed|rolled-back)/, stopAt: 4, delayMs: 1 },
      { when: /^installed/, stopAt: 3, delayMs: 0 },
    ];
    for (const { when, stopAt, delayMs } of rounds) {
      const lines = await killWhen(root, dir, when, stopAt, delayMs);
      const cache = ArtifactCache.open({ root, maxBytes: CHILD_MAX_BYTES });
      // Every blob hashes to its name, active and previous are present: a partial never became a blob.
      expect(checkCache(cache)).toEqual([]);
      const state = cache.state("vision", "detector");
      const reported = lines
        .filter((l) => /^(installed|rolled-back)/.test(l))
        .at(-1)
        ?.split(" ")[1];
      expect(CHILD_VERSIONS).toContain(state?.active.version);
      // A reported switch is durable. The child may have made one more before dying (it reports each
      // switch before starting the next), which leaves the reported version as the previous one.
      if (reported) expect([state?.active.version, state?.previous?.version]).toContain(reported);
      expect(readdirSync(join(root, "models", "vision"))).toEqual(["detector.json"]);
      expect(readdirSync(join(root, "partial")).length).toBeLessThanOrEqual(1);
    }

    // A fresh agent installs from the crashed cache, resuming any partial download.
    const cache = ArtifactCache.open({ root, maxBytes: CHILD_MAX_BYTES });
    const version = CHILD_VERSIONS.find((v) => v !== cache.state("vision", "detector")?.active.version) as string;
    const outcome = await new Installer({ cache }).install({
      namespace: "vision",
      model: "detector",
      version,
      artifact: childArtifact(dir, version),
    });
    expect(outcome).toMatchObject({ installed: true, state: { active: { version } } });
    expect(checkCache(cache)).toEqual([]);
  }, 60_000);
});
