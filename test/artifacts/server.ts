import { once } from "node:events";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { certificateAuthority } from "@edgefleet/kit";

/** How the test server misbehaves for one path. */
export interface Route {
  body: Buffer;
  /** Destroy the connection after sending this many body bytes, on the first `cuts` requests. */
  cutAfter?: number;
  cuts?: number;
  /** With cutAfter: stop sending but keep the connection open, as a stalled link does. */
  stall?: boolean;
  /** Answer with a 200 and the whole body even when a Range is asked for. */
  ignoreRange?: boolean;
  /** Answer with this status and no body. */
  status?: number;
  /** Send the body one byte every this many ms, as a server holding a download open for days would. */
  trickleMs?: number;
}

export interface TestServer {
  /** https://localhost:<port> */
  origin: string;
  /** The CA that issued the server's certificate, for the fetcher's ca option. */
  ca: string;
  routes: Map<string, Route>;
  /** Range header of every request, per path ("" without one). */
  requests: { path: string; range: string }[];
  close(): Promise<void>;
}

/**
 * A real HTTPS server (node:https, an Ed25519 certificate from the project's own PKI) serving
 * artifacts with Range support, and cutting connections mid-body on request. Servers of different
 * `caSeed`s have certificates from different CAs.
 */
export async function startServer(caSeed = "artifact-tests"): Promise<TestServer> {
  const issued = certificateAuthority(caSeed, "edgefleet artifact test CA").issue("localhost", ["localhost"]);
  const routes = new Map<string, Route>();
  const requests: TestServer["requests"] = [];
  const server: Server = createServer({ cert: issued.cert, key: issued.key }, (req, res) => {
    const path = req.url ?? "/";
    const range = req.headers.range ?? "";
    requests.push({ path, range });
    const route = routes.get(path);
    if (!route) return void res.writeHead(404).end();
    if (route.status) return void res.writeHead(route.status).end();
    const total = route.body.length;
    const match = /^bytes=(\d+)-$/.exec(range);
    let start = 0;
    if (match && !route.ignoreRange) {
      start = Number(match[1]);
      if (start >= total) return void res.writeHead(416, { "content-range": `bytes */${total}` }).end();
      res.writeHead(206, { "content-range": `bytes ${start}-${total - 1}/${total}`, "content-length": total - start });
    } else {
      res.writeHead(200, { "content-length": total });
    }
    const body = route.body.subarray(start);
    if (route.trickleMs !== undefined) {
      let sent = 0;
      const drip = setInterval(() => {
        if (sent < body.length) res.write(body.subarray(sent, ++sent));
        else res.end();
      }, route.trickleMs);
      res.on("close", () => clearInterval(drip));
      return;
    }
    if (route.cutAfter !== undefined && (route.cuts ?? 1) > 0) {
      route.cuts = (route.cuts ?? 1) - 1;
      // Flush a prefix, then drop the connection (or go silent) as a failing link would.
      res.write(body.subarray(0, route.cutAfter), () => {
        if (!route.stall) res.destroy();
      });
      return;
    }
    res.end(body);
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  return {
    origin: `https://localhost:${port}`,
    ca: issued.ca,
    routes,
    requests,
    close: async () => {
      server.closeAllConnections();
      server.close();
      await once(server, "close");
    },
  };
}
