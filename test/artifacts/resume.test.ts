import { readFileSync } from "node:fs";
import type { HttpsFetcherOptions, Progress } from "@edgefleet/edge-agent";
import { ArtifactCache, generateSigningKey, Installer } from "@edgefleet/edge-agent";
import { useTempDirs } from "@edgefleet/kit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { publish } from "./publish.js";
import { type Route, startServer, type TestServer } from "./server.js";

const tempDir = useTempDirs("artifact-resume");
const key = generateSigningKey();
const SIZE = 1024 * 1024;
let server: TestServer;

beforeAll(async () => {
  server = await startServer();
});
afterAll(() => server.close());

/** Publishes a 1 MiB model whose file route misbehaves as given. */
function flaky(version: string, route: Omit<Route, "body">) {
  const published = publish(server, { model: "detector", version, key, bytes: SIZE });
  const path = new URL(published.spec.uri).pathname;
  server.routes.set(path, { body: published.body, ...route });
  const ranges = () => server.requests.filter((r) => r.path === path).map((r) => r.range);
  /** Where each request started: 0 without a Range. */
  const offsets = () => ranges().map((r) => Number(/^bytes=(\d+)-$/.exec(r)?.[1] ?? 0));
  return { ...published, path, ranges, offsets };
}

function installer(root: string, https: HttpsFetcherOptions = {}) {
  const delays: number[] = [];
  const sleep = async (ms: number) => {
    delays.push(ms);
  };
  const cache = ArtifactCache.open({ root });
  return { cache, delays, installer: new Installer({ cache, fetchers: { https: { ca: server.ca, sleep, ...https } } }) };
}

describe("resuming artifact downloads", () => {
  it("resumes with Range requests after the connection is cut mid-body, reporting progress to the end", async () => {
    const model = flaky("1.0.0", { cutAfter: 300_000, cuts: 2 });
    const { cache, installer: i } = installer(tempDir());
    const progress: Progress[] = [];
    const outcome = await i.install({
      namespace: "vision",
      model: "detector",
      version: "1.0.0",
      artifact: model.spec,
      onProgress: (p) => progress.push(p),
    });
    expect(outcome).toMatchObject({ installed: true, downloaded: true });
    // Each retry asks for the rest of the file from the bytes it has (a cut can lose bytes in flight).
    const [first, second, third, ...rest] = model.offsets();
    expect([first, rest]).toEqual([0, []]);
    expect(second).toBeGreaterThan(0);
    expect(second).toBeLessThanOrEqual(300_000);
    expect(third).toBeGreaterThan(second ?? 0);
    expect(model.ranges()[0]).toBe("");
    expect(progress.every((p, n) => p.total === SIZE && p.bytes > (progress[n - 1]?.bytes ?? 0))).toBe(true);
    expect(progress.at(-1)).toEqual({ bytes: SIZE, total: SIZE });
    expect(readFileSync(cache.active("vision", "detector")?.path ?? "").equals(model.body)).toBe(true);
  });

  it("cuts a stalled connection after the idle timeout and resumes", async () => {
    const model = flaky("1.0.0", { cutAfter: 100_000, stall: true });
    const { installer: i } = installer(tempDir(), { idleTimeoutMs: 300 });
    expect(await i.install({ namespace: "vision", model: "detector", version: "1.0.0", artifact: model.spec })).toMatchObject({
      installed: true,
    });
    expect(model.ranges()).toEqual(["", "bytes=100000-"]); // a stall loses nothing
  });

  it("starts over when the server ignores Range", async () => {
    const model = flaky("1.0.0", { cutAfter: 500_000, ignoreRange: true });
    const { installer: i } = installer(tempDir());
    expect(await i.install({ namespace: "vision", model: "detector", version: "1.0.0", artifact: model.spec })).toMatchObject({
      installed: true,
    });
    expect(model.ranges()).toEqual(["", "bytes=500000-"]);
  });

  it("keeps a failed download's bytes, so the next install resumes where it stopped", async () => {
    const root = tempDir();
    const model = flaky("1.0.0", { cutAfter: 400_000 });
    const first = await installer(root, { attempts: 1 }).installer.install({
      namespace: "vision",
      model: "detector",
      version: "1.0.0",
      artifact: model.spec,
    });
    expect(first).toMatchObject({ installed: false, refusal: { reason: "download-failed" } });
    expect(first.installed || first.refusal.message).toMatch(/1 attempt without progress/);

    const second = installer(root);
    expect(
      await second.installer.install({ namespace: "vision", model: "detector", version: "1.0.0", artifact: model.spec }),
    ).toMatchObject({
      installed: true,
    });
    const [start, resumedAt, ...rest] = model.offsets();
    expect([start, rest]).toEqual([0, []]);
    expect(resumedAt).toBeGreaterThan(0);
    expect(resumedAt).toBeLessThanOrEqual(400_000);
  });

  it("gives up after the attempts without progress, backing off exponentially", async () => {
    const model = flaky("1.0.0", { status: 503 });
    const { installer: i, delays, cache } = installer(tempDir(), { attempts: 4, baseDelayMs: 100 });
    const outcome = await i.install({ namespace: "vision", model: "detector", version: "1.0.0", artifact: model.spec });
    expect(outcome).toMatchObject({
      installed: false,
      refusal: { reason: "download-failed", message: expect.stringMatching(/HTTP 503 \(4 attempts/) },
    });
    expect(delays).toEqual([100, 200, 400]);
    expect(model.ranges()).toHaveLength(4);
    expect(cache.state("vision", "detector")).toBeUndefined();
  });
});
