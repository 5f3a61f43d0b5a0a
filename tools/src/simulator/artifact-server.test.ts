import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { request } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { certificateAuthority } from "@edgefleet/kit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ArtifactServer, parseRange, startArtifactServer } from "./artifact-server.js";

describe("parseRange", () => {
  it("reads open and closed single ranges, clamps the end, refuses starts past the end", () => {
    expect(parseRange("bytes=10-", 100)).toEqual({ start: 10, end: 99 });
    expect(parseRange("bytes=10-19", 100)).toEqual({ start: 10, end: 19 });
    expect(parseRange("bytes=90-200", 100)).toEqual({ start: 90, end: 99 });
    expect(parseRange("bytes=100-", 100)).toBe("unsatisfiable");
    expect(parseRange("bytes=0-1,5-6", 100)).toBeUndefined();
    expect(parseRange(undefined, 100)).toBeUndefined();
  });
});

describe("artifact server", () => {
  const pki = certificateAuthority("artifact-server-test-seed-0123456789");
  const tls = pki.issue("artifacts", ["localhost"]);
  const dir = mkdtempSync(join(tmpdir(), "edgefleet-artifacts-"));
  let server: ArtifactServer;
  const get = (path: string, headers: Record<string, string> = {}) =>
    new Promise<{ status: number; body: Buffer; headers: Record<string, unknown> }>((resolve, reject) => {
      const req = request(`${server.url}${path}`, { ca: pki.cert, servername: "localhost", headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks), headers: res.headers }));
      });
      req.on("error", reject);
      req.end();
    });

  beforeAll(async () => {
    writeFileSync(join(dir, "m.onnx"), Buffer.from("0123456789"));
    server = await startArtifactServer({ dir, tls });
  });
  afterAll(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("serves whole files and byte ranges over TLS, and nothing outside its directory", async () => {
    expect(await get("/m.onnx")).toMatchObject({ status: 200, body: Buffer.from("0123456789") });
    expect(await get("/m.onnx", { range: "bytes=4-" })).toMatchObject({
      status: 206,
      body: Buffer.from("456789"),
      headers: { "content-range": "bytes 4-9/10" },
    });
    expect((await get("/m.onnx", { range: "bytes=10-" })).status).toBe(416);
    expect((await get("/..%2F..%2Fetc%2Fpasswd")).status).toBe(404);
  });
});
