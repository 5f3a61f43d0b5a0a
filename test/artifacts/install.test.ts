import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import {
  ArtifactCache,
  type ArtifactSpec,
  checkCache,
  FailureReporter,
  generateSigningKey,
  Installer,
  type InstallOutcome,
} from "@edgefleet/edge-agent";
import { jsonLogger, useTempDirs } from "@edgefleet/kit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { publish, sha256 } from "./publish.js";
import { startServer, type TestServer } from "./server.js";

const tempDir = useTempDirs("artifact-install");
const key = generateSigningKey();
const otherKey = generateSigningKey();
let server: TestServer;

beforeAll(async () => {
  server = await startServer();
});
afterAll(() => server.close());

function node(maxBytes = 64 * 1024 * 1024) {
  const logs: Record<string, unknown>[] = [];
  const log = jsonLogger({ write: (line) => logs.push(JSON.parse(line)) });
  const cache = ArtifactCache.open({ root: tempDir(), maxBytes });
  const reporter = new FailureReporter(log);
  const installer = new Installer({ cache, reporter, log, fetchers: { https: { ca: server.ca, sleep: async () => {} } } });
  const install = (model: string, version: string, artifact: ArtifactSpec) =>
    installer.install({ namespace: "vision", model, version, artifact });
  /** What a runtime would load now. */
  const serving = (model: string) => {
    const active = cache.active("vision", model);
    return active && { version: active.version, bytes: readFileSync(active.path) };
  };
  return { cache, reporter, installer, install, serving, logs };
}

const refused = (outcome: InstallOutcome) => (outcome.installed ? "installed" : outcome.refusal.reason);

describe("installing verified artifacts over HTTPS", () => {
  it("installs signed artifacts, keeping the previous version, and rolls back without a download", async () => {
    const n = node();
    const v1 = publish(server, { model: "detector", version: "1.0.0", key });
    const v2 = publish(server, { model: "detector", version: "2.0.0", key });
    expect(await n.install("detector", "1.0.0", v1.spec)).toMatchObject({ installed: true, downloaded: true });
    const second = await n.install("detector", "2.0.0", v2.spec);
    expect(second).toMatchObject({ installed: true, state: { active: { version: "2.0.0" }, previous: { version: "1.0.0" } } });
    expect(n.serving("detector")).toEqual({ version: "2.0.0", bytes: v2.body });

    const requests = server.requests.length;
    expect(n.cache.rollback("vision", "detector").active.version).toBe("1.0.0");
    expect(n.serving("detector")).toEqual({ version: "1.0.0", bytes: v1.body });
    // The operator moving the spec back to 2.0.0 reuses the cached blob: only the signature is fetched.
    expect(await n.install("detector", "2.0.0", v2.spec)).toMatchObject({ installed: true, downloaded: false });
    expect(server.requests.slice(requests).map((r) => r.path)).toEqual([new URL(v2.spec.signature?.uri ?? "").pathname]);
    expect(checkCache(n.cache)).toEqual([]);
    expect(n.logs.filter((l) => l.msg === "artifact installed").map((l) => l.version)).toEqual(["1.0.0", "2.0.0", "2.0.0"]);
  });

  it("refuses tampered, truncated, unsigned, wrong-key and downgraded artifacts, and keeps serving", async () => {
    const n = node();
    const v1 = publish(server, { model: "detector", version: "1.0.0", key });
    const v2 = publish(server, { model: "detector", version: "2.0.0", key });
    await n.install("detector", "1.0.0", v1.spec);
    await n.install("detector", "2.0.0", v2.spec);

    const tampered = publish(server, { model: "detector", version: "3.0.0", key });
    const tamperedBody = Buffer.from(tampered.body);
    tamperedBody[1000] = (tamperedBody[1000] ?? 0) ^ 0xff;
    server.routes.set(new URL(tampered.spec.uri).pathname, { body: tamperedBody });

    const truncated = publish(server, { model: "detector", version: "3.0.0", key });
    server.routes.set(new URL(truncated.spec.uri).pathname, { body: truncated.body.subarray(0, 1000) });

    const padded = publish(server, { model: "detector", version: "3.0.0", key });
    server.routes.set(new URL(padded.spec.uri).pathname, { body: Buffer.concat([padded.body, Buffer.from("extra")]) });

    const unsigned = publish(server, { model: "detector", version: "3.0.0", key, unsigned: true });
    const wrongKey = publish(server, { model: "detector", version: "3.0.0", key, signWith: otherKey });
    // A validly signed old build, offered as version 3.0.0.
    const downgrade = { ...v1.spec };

    const cases = [
      ["tampered", tampered.spec, "digest-mismatch"],
      ["truncated", truncated.spec, "size-mismatch"],
      ["padded", padded.spec, "size-mismatch"],
      ["unsigned", unsigned.spec, "signature-missing"],
      ["wrong key", wrongKey.spec, "signature-invalid"],
      ["downgrade", downgrade, "version-mismatch"],
    ] as const;
    for (const [name, spec, reason] of cases) {
      const outcome = await n.install("detector", "3.0.0", spec);
      expect([name, refused(outcome)]).toEqual([name, reason]);
      expect(outcome.state?.active.version).toBe("2.0.0");
      expect(n.serving("detector")).toEqual({ version: "2.0.0", bytes: v2.body });
    }

    // Nothing refused reached the blobs, and no half download is left behind.
    expect(readdirSync(join(n.cache.root, "blobs", "sha256")).sort()).toEqual([v1.spec.sha256, v2.spec.sha256].sort());
    expect(readdirSync(join(n.cache.root, "partial"))).toEqual([]);
    expect(n.cache.state("vision", "detector")?.previous?.version).toBe("1.0.0");
    // One telemetry delta per model version and reason: truncated and padded add up.
    const detector = { namespace: "vision", model: "detector", version: "3.0.0" };
    expect(n.reporter.take()).toEqual([
      { ...detector, reason: "digest-mismatch", count: 1 },
      { ...detector, reason: "size-mismatch", count: 2 },
      { ...detector, reason: "signature-missing", count: 1 },
      { ...detector, reason: "signature-invalid", count: 1 },
      { ...detector, reason: "version-mismatch", count: 1 },
    ]);
    expect(n.logs.filter((l) => l.msg === "artifact refused").map((l) => [l.level, l.reason])).toEqual(
      cases.map(([, , reason]) => ["warn", reason]),
    );
    expect(checkCache(n.cache)).toEqual([]);
  });

  it("refuses a wrong-key or unsigned artifact before downloading it", async () => {
    const n = node();
    const wrongKey = publish(server, { model: "detector", version: "1.0.0", key, signWith: otherKey });
    const unsigned = publish(server, { model: "detector", version: "1.0.0", key, unsigned: true });
    const before = server.requests.length;
    expect(refused(await n.install("detector", "1.0.0", wrongKey.spec))).toBe("signature-invalid");
    expect(refused(await n.install("detector", "1.0.0", unsigned.spec))).toBe("signature-missing");
    expect(server.requests.slice(before).map((r) => r.path)).toEqual([new URL(wrongKey.spec.signature?.uri ?? "").pathname]);
    expect(n.serving("detector")).toBeUndefined();
  });

  it("installs unsigned artifacts only when the policy allows it", async () => {
    const cache = ArtifactCache.open({ root: tempDir() });
    const installer = new Installer({ cache, requireSignature: false, fetchers: { https: { ca: server.ca } } });
    const unsigned = publish(server, { model: "detector", version: "1.0.0", key, unsigned: true });
    const outcome = await installer.install({ namespace: "vision", model: "detector", version: "1.0.0", artifact: unsigned.spec });
    expect(outcome).toMatchObject({ installed: true });
  });

  it("reports unsupported URIs, unknown files and untrusted servers as download failures", async () => {
    const n = node();
    const good = publish(server, { model: "detector", version: "1.0.0", key });
    const s3 = await n.install("detector", "1.0.0", { ...good.spec, uri: "s3://bucket/detector.onnx" });
    expect(s3).toMatchObject({
      installed: false,
      refusal: { reason: "download-failed", message: expect.stringMatching(/https:\/\/, oci:\/\/, file:\/\//) },
    });
    const missing = await n.install("detector", "1.0.0", { ...good.spec, uri: `${server.origin}/nothing-here` });
    expect(missing).toMatchObject({ refusal: { reason: "download-failed", message: expect.stringMatching(/HTTP 404/) } });

    const untrusting = new Installer({ cache: n.cache, fetchers: { https: { attempts: 1 } } });
    const outcome = await untrusting.install({ namespace: "vision", model: "detector", version: "1.0.0", artifact: good.spec });
    expect(outcome).toMatchObject({ installed: false, refusal: { reason: "download-failed" } });
    expect(n.serving("detector")).toBeUndefined();
  });

  it("stays within its byte bound by evicting old blobs, never an active or previous one", async () => {
    const size = 64 * 1024;
    const n = node(5 * size);
    const models = ["detector", "keyword", "segmenter"];
    const versions = ["1", "2", "3", "4"];
    const published = new Map<string, ReturnType<typeof publish>>();
    for (const version of versions) {
      for (const model of models) {
        const p = publish(server, { model, version, key, bytes: size });
        published.set(`${model}@${version}`, p);
        expect(await n.install(model, version, p.spec)).toMatchObject({ installed: true });
        const pinned = n.cache.models().flatMap(({ state }) => [state.active.sha256, state.previous?.sha256 ?? ""]);
        for (const digest of pinned.filter(Boolean)) expect(existsSync(n.cache.blobPath(digest))).toBe(true);
      }
    }
    // Three models' active and previous blobs are pinned: six blobs, over the bound of five.
    expect(n.cache.stats()).toMatchObject({ blobs: 6, pinnedBytes: 6 * size, bytes: 6 * size });
    for (const model of models) {
      expect(n.cache.rollback("vision", model).active.version).toBe("3");
      expect(sha256(readFileSync(n.cache.active("vision", model)?.path ?? ""))).toBe(published.get(`${model}@3`)?.spec.sha256);
    }
    expect(checkCache(n.cache)).toEqual([]);
  });
});
