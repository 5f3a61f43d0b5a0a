import { createServer, type IncomingMessage, request, type Server, type ServerResponse } from "node:http";
import { errorMessage, type Logger } from "@edgefleet/kit";
// Imported, not read at run time: the edge-agent image's bundle has no package.json.
import agentPackage from "../../package.json" with { type: "json" };
import type { ModelLoader } from "./loader.js";
import { modelSeries } from "./metrics-filter.js";

/** Headers an infer exchange needs passed on, both ways (the binary tensor extension's included). */
const PASSED = ["content-type", "content-length", "inference-header-content-length"] as const;
const SERVER_METADATA = JSON.stringify({ name: "edgefleet-model-loader", version: agentPackage.version, extensions: [] });

export interface LoaderProxyOptions {
  loader: ModelLoader;
  /** The shared server's base URL. */
  server: string;
  /** The EdgeModel's name and version: what the pod serves, as a runtime of its own would. */
  name: string;
  version: string;
  log: Logger;
}

function send(res: ServerResponse, status: number, body: string, contentType = "application/json"): void {
  res.writeHead(status, { "Content-Type": contentType, "Content-Length": Buffer.byteLength(body) }).end(body);
}

function decode(segment: string | undefined): string | undefined {
  try {
    return segment === undefined ? undefined : decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

/**
 * The model's Open Inference Protocol v2 routes on the pod, as a runtime serving that model alone
 * would answer them: /v2/models/NAME[/versions/VERSION][/...] goes to the server under the model
 * version's server name, /metrics is the server's series of that model relabelled, and readiness
 * is the server's readiness of the model. Clients and the edge agent see the pod as before; other
 * models of the server are not reachable through it.
 */
export function loaderProxy(o: LoaderProxyOptions): Server {
  return createServer((req, res) => {
    const path = (req.url ?? "/").split("?", 1)[0] ?? "/";
    if (path === "/v2/health/live") return send(res, 200, '{"live":true}');
    if (path === "/v2/health/ready") return send(res, o.loader.ready ? 200 : 503, JSON.stringify({ ready: o.loader.ready }));
    if (path === "/v2") return send(res, 200, SERVER_METADATA);
    if (path === "/metrics") {
      fetch(`${o.server}/metrics`, { signal: AbortSignal.timeout(5_000) })
        .then(async (r) => {
          if (!r.ok) throw new Error(`HTTP ${r.status}`);
          send(
            res,
            200,
            modelSeries(await r.text(), o.loader.serverName, o.name, o.version),
            r.headers.get("content-type") ?? "text/plain",
          );
        })
        .catch((err: unknown) =>
          send(res, 502, JSON.stringify({ error: `the shared server's metrics could not be read: ${errorMessage(err)}` })),
        );
      return;
    }
    const [, v2, models, rawName, ...rest] = path.split("/");
    const name = decode(rawName);
    if (v2 !== "v2" || models !== "models" || name === undefined)
      return send(
        res,
        404,
        JSON.stringify({ error: `no route ${req.url}; this pod serves /v2/models/${o.name}[/versions/${o.version}][/ready|/infer]` }),
      );
    if (name !== o.name) return send(res, 404, JSON.stringify({ error: `model "${name}" not found; this pod serves "${o.name}"` }));
    let tail = rest;
    if (tail[0] === "versions") {
      const version = decode(tail[1]);
      if (version !== o.version)
        return send(
          res,
          404,
          JSON.stringify({ error: `model "${o.name}" has no version "${version}"; this pod serves version "${o.version}"` }),
        );
      tail = tail.slice(2);
    }
    forward(o, req, res, `${o.loader.serverPath}${tail.length ? `/${tail.join("/")}` : ""}`);
  });
}

function forward(o: LoaderProxyOptions, req: IncomingMessage, res: ServerResponse, path: string): void {
  const headers: Record<string, string> = {};
  for (const h of PASSED) {
    const v = req.headers[h];
    if (typeof v === "string") headers[h] = v;
  }
  const upstream = request(`${o.server}${path}`, { method: req.method ?? "GET", headers }, (answer) => {
    const back: Record<string, string> = {};
    for (const h of PASSED) {
      const v = answer.headers[h];
      if (typeof v === "string") back[h] = v;
    }
    res.writeHead(answer.statusCode ?? 502, back);
    answer.pipe(res);
  });
  upstream.on("error", (err) => {
    o.log.debug("the shared server did not answer", { path, error: err.message });
    if (!res.headersSent) send(res, 502, JSON.stringify({ error: `the shared server did not answer: ${err.message}` }));
    else res.destroy();
  });
  req.pipe(upstream);
}
