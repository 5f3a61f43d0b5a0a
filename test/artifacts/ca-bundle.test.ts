import { ArtifactCache, generateSigningKey, Installer } from "@edgefleet/edge-agent";
import { useTempDirs } from "@edgefleet/kit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runInstall as install, podEnv } from "./install-command.js";
import { publish } from "./publish.js";
import { startServer, type TestServer } from "./server.js";

/*
 * The platform's trust bundle for artifact downloads (the operator's --artifact-ca-bundle, which
 * reaches every verify-artifact init container as EDGEFLEET_ARTIFACT_CA_BUNDLE): the install command
 * as the init container runs it, against real HTTPS servers whose certificates private CAs issued.
 */

const tempDir = useTempDirs("artifact-ca-bundle");
const key = generateSigningKey();
let site: TestServer;
let other: TestServer;

beforeAll(async () => {
  [site, other] = await Promise.all([startServer("artifact-ca-bundle-site"), startServer("artifact-ca-bundle-other")]);
});
afterAll(() => Promise.all([site.close(), other.close()]));

describe("the artifact CA bundle", () => {
  it("refuses a server of a private CA without the bundle, and installs from it with the bundle", async () => {
    const cacheDir = tempDir();
    const env = podEnv(publish(site, { model: "detector", version: "1.0.0", key }).spec, "1.0.0");

    const refused = await install(env, cacheDir);
    expect(refused.code).toBe(1);
    expect(refused.last).toMatchObject({ msg: "artifact not verified; the runtime will not start", reason: "download-failed" });
    expect(refused.out).toMatch(/certificate/);

    const accepted = await install({ ...env, EDGEFLEET_ARTIFACT_CA_BUNDLE: site.ca }, cacheDir);
    expect(accepted.code).toBe(0);
    expect(accepted.last).toMatchObject({ msg: "artifact verified and active" });
    expect(ArtifactCache.open({ root: cacheDir }).active("vision", "detector")?.version).toBe("1.0.0");
  }, 60_000);

  it("trusts only the CAs it names: another private CA's server is still refused", async () => {
    const env = podEnv(publish(other, { model: "detector", version: "1.0.0", key }).spec, "1.0.0");
    const refused = await install({ ...env, EDGEFLEET_ARTIFACT_CA_BUNDLE: site.ca }, tempDir());
    expect(refused).toMatchObject({ code: 1, last: { reason: "download-failed" } });
  }, 60_000);

  it("fails as a bad flag (exit 2), naming the variable, when the bundle holds no certificate", async () => {
    const env = podEnv(publish(site, { model: "detector", version: "1.0.0", key }).spec, "1.0.0");
    const bad = await install({ ...env, EDGEFLEET_ARTIFACT_CA_BUNDLE: "not a certificate" }, tempDir());
    expect(bad.code).toBe(2);
    expect(bad.out).toContain("EDGEFLEET_ARTIFACT_CA_BUNDLE holds no PEM certificate");
  }, 60_000);

  it("adds to the CAs already trusted rather than replacing them", async () => {
    // `ca` stands in for the roots trusted before (the public ones, which no test server can hold).
    const root = tempDir();
    const installer = new Installer({ cache: ArtifactCache.open({ root }), fetchers: { https: { ca: other.ca, extraCa: site.ca } } });
    for (const [server, model] of [
      [other, "detector"],
      [site, "segmenter"],
    ] as const) {
      const { spec } = publish(server, { model, version: "1.0.0", key });
      expect(await installer.install({ namespace: "vision", model, version: "1.0.0", artifact: spec })).toMatchObject({ installed: true });
    }
  }, 60_000);
});
