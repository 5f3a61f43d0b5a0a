import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { KubeClient } from "./client.js";
import { KubeError } from "./errors.js";

/** A server on loopback that records each request and never answers: a hung API server connection. */
async function silentServer(): Promise<{ server: Server; seen: string[]; url: URL }> {
  const seen: string[] = [];
  const server = createServer((req: IncomingMessage) => seen.push(`${req.method} ${req.url}`));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, seen, url: new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}`) };
}

const cleanup: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanup.splice(0)) c();
});

async function clientOf(options: { mayWrite?: () => boolean } = {}) {
  const { server, seen, url } = await silentServer();
  const client = new KubeClient({ credentials: { server: url, requestOptions: async () => ({}) }, ...options });
  cleanup.push(
    () => client.close(),
    () => server.closeAllConnections(),
    () => server.close(),
  );
  return { client, seen };
}

describe("KubeClient", () => {
  it("ends a request at its timeout with status 0 when the server never answers", async () => {
    const { client, seen } = await clientOf();
    const started = performance.now();
    const err = await client.request({ method: "GET", path: "/api/v1/namespaces", timeoutMs: 200 }).catch((e: unknown) => e);
    const tookMs = performance.now() - started;
    expect(err).toBeInstanceOf(KubeError);
    expect(err).toMatchObject({ status: 0, reason: "Timeout", message: "GET /api/v1/namespaces: no answer within 200ms" });
    expect(tookMs).toBeGreaterThanOrEqual(190);
    expect(tookMs).toBeLessThan(2000);
    expect(seen).toEqual(["GET /api/v1/namespaces"]);
  });

  it("refuses writes the guard forbids before they leave, and lets reads through", async () => {
    let allowed = false;
    const { client, seen } = await clientOf({ mayWrite: () => allowed });
    const put = await client.request({ method: "PUT", path: "/apis/x/v1/things/a", body: {}, timeoutMs: 500 }).catch((e: unknown) => e);
    expect(put).toMatchObject({ status: 0, reason: "NotAllowed" });
    const get = await client.request({ method: "GET", path: "/apis/x/v1/things/a", timeoutMs: 100 }).catch((e: unknown) => e);
    expect(get).toMatchObject({ reason: "Timeout" });
    allowed = true;
    await client.request({ method: "PUT", path: "/apis/x/v1/things/b", body: {}, timeoutMs: 100 }).catch(() => {});
    expect(seen).toEqual(["GET /apis/x/v1/things/a", "PUT /apis/x/v1/things/b"]);
  });
});
