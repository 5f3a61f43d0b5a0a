import { createServer, type Server } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { httpRequest, keepAliveAgent } from "./http.js";

let server: Server | undefined;
afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

/** Answers the first request of each connection and drops the connection on its second, as a server that closed it while idle. */
async function serverDroppingReusedConnections(): Promise<{ url: string; connections: () => number }> {
  const served = new WeakMap<Socket, number>();
  let connections = 0;
  server = createServer((req, res) => {
    const n = (served.get(req.socket) ?? 0) + 1;
    served.set(req.socket, n);
    if (n > 1) req.socket.destroy();
    else res.end("ok");
  });
  server.on("connection", () => connections++);
  await new Promise<void>((resolve) => server?.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, connections: () => connections };
}

describe("httpRequest", () => {
  it("retries once on a fresh connection when a kept-alive one was closed under it", async () => {
    const { url, connections } = await serverDroppingReusedConnections();
    const agent = keepAliveAgent();
    try {
      expect(await httpRequest(agent, url, 1_000)).toEqual({ status: 200, body: "ok" });
      expect(await httpRequest(agent, url, 1_000)).toEqual({ status: 200, body: "ok" });
      expect(connections()).toBe(2);
    } finally {
      agent.destroy();
    }
  });

  it("does not retry a refused connection", async () => {
    const { url } = await serverDroppingReusedConnections();
    await new Promise<void>((resolve) => server?.close(() => resolve()));
    server = undefined;
    const agent = keepAliveAgent();
    try {
      await expect(httpRequest(agent, url, 1_000)).rejects.toThrow(/ECONNREFUSED/);
    } finally {
      agent.destroy();
    }
  });
});
