import { createServer, type Server } from "node:http";
import type { Registry } from "prom-client";
import type { Family } from "./series.js";
import { renderFamilies } from "./series.js";

export interface GatewayServerOptions {
  /** The gateway's own families and the process metrics (prom-client). */
  readonly registry: Registry;
  /** The device and inference families, rendered by hand (series.ts). */
  readonly families: () => Iterable<Family>;
  readonly healthy: () => boolean;
  /** Subscribed to the broker. */
  readonly ready: () => boolean;
}

/** Renders the whole exposition, streaming the device families chunk by chunk to `write`. */
export async function renderMetrics(
  options: Pick<GatewayServerOptions, "registry" | "families">,
  write: (chunk: string) => void,
): Promise<void> {
  write(await options.registry.metrics());
  await renderFamilies(options.families(), write);
}

/** /metrics (Prometheus text format 0.0.4), /healthz and /readyz on one port. */
export function gatewayServer(options: GatewayServerOptions): Server {
  return createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    if (req.method !== "GET") {
      res.writeHead(405).end();
      return;
    }
    if (path === "/metrics") {
      res.writeHead(200, { "Content-Type": options.registry.contentType });
      renderMetrics(options, (chunk) => res.write(chunk)).then(
        () => res.end(),
        (err: unknown) => res.destroy(err instanceof Error ? err : new Error(String(err))),
      );
      return;
    }
    const probe = path === "/healthz" ? options.healthy : path === "/readyz" ? options.ready : undefined;
    if (!probe) {
      res.writeHead(404).end("not found: try /metrics, /healthz or /readyz\n");
      return;
    }
    const ok = probe();
    res.writeHead(ok ? 200 : 503, { "Content-Type": "text/plain" }).end(ok ? "ok\n" : "not ok\n");
  });
}
