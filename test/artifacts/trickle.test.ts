import { existsSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { ArtifactCache, type ArtifactSpec, generateSigningKey } from "@edgefleet/edge-agent";
import { useTempDirs } from "@edgefleet/kit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { podEnv, runInstall } from "./install-command.js";
import { publish } from "./publish.js";
import { startServer, type TestServer } from "./server.js";

/*
 * One tenant's slow artifact server against the node's shared cache: the install command, as the
 * runtime pods' verify-artifact init containers run it, side by side on one cache directory, with a
 * real HTTPS server that sends one byte every two seconds (never idle long enough to be cut).
 */

const tempDir = useTempDirs("artifact-trickle");
const key = generateSigningKey();
let server: TestServer;

beforeAll(async () => {
  server = await startServer("artifact-trickle");
});
afterAll(() => server.close());

const env = (spec: ArtifactSpec, model: string) => ({
  ...podEnv(spec, "1.0.0", `vision/${model}`),
  EDGEFLEET_ARTIFACT_CA_BUNDLE: server.ca,
});

describe("a trickling artifact server", () => {
  it("holds only its own digest: another model installs meanwhile, and the trickle fails at the install deadline, naming it", async () => {
    const cacheDir = tempDir();
    const slow = publish(server, { model: "slow", version: "1.0.0", key });
    const slowPath = new URL(slow.spec.uri).pathname;
    const route = server.routes.get(slowPath);
    if (!route) throw new Error("the slow model was not published");
    route.trickleMs = 2000;
    const fast = publish(server, { model: "fast", version: "1.0.0", key });

    let slowDone = false;
    const slowRun = runInstall(env(slow.spec, "slow"), cacheDir, ["--install-deadline=45s"]).finally(() => {
      slowDone = true;
    });
    // The slow install holds its digest's lock from before this request until it ends.
    while (!server.requests.some((r) => r.path === slowPath)) await sleep(100);

    const fastRun = await runInstall(env(fast.spec, "fast"), cacheDir);
    expect(fastRun).toMatchObject({ code: 0, last: { msg: "artifact verified and active" } });
    expect(slowDone).toBe(false);
    expect(ArtifactCache.open({ root: cacheDir }).active("vision", "fast")?.version).toBe("1.0.0");

    const slowResult = await slowRun;
    expect(slowResult.code).toBe(1);
    const refused = slowResult.lines.find((l) => l.msg === "artifact refused");
    expect(refused).toMatchObject({ reason: "download-failed" });
    expect(String(refused?.detail)).toContain("--install-deadline (45 s)");
    // Its bytes so far stay for the next attempt, which resumes; its lock is gone.
    expect(existsSync(join(cacheDir, "partial", `${slow.spec.sha256}.partial`))).toBe(true);
    expect(existsSync(join(cacheDir, "locks", `${slow.spec.sha256}.lock`))).toBe(false);
    expect(ArtifactCache.open({ root: cacheDir }).active("vision", "slow")).toBeUndefined();
  }, 120_000);
});
