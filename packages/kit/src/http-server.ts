import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Registry } from "prom-client";
import type { Logger } from "./log.js";

export interface ProbeServerOptions {
  registry: Registry;
  /** Liveness: false once the process can no longer do its job and should be restarted. */
  healthy: () => boolean;
  /** Readiness: the component can serve (operator: caches synced, a warm standby too; gateway: subscribed). */
  ready: () => boolean;
  /**
   * Streams the exposition to write, for components that render part of it themselves (the
   * gateway's device series); the registry's own text otherwise.
   */
  render?: (write: (chunk: string) => void) => Promise<void>;
}

/** /metrics in the Prometheus text format, /healthz and /readyz, on one port. */
export function probeServer({ registry, healthy, ready, render }: ProbeServerOptions): Server {
  return createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    if (req.method !== "GET") {
      res.writeHead(405).end();
      return;
    }
    if (path === "/metrics" && render) {
      res.writeHead(200, { "Content-Type": registry.contentType });
      render((chunk) => res.write(chunk)).then(
        () => res.end(),
        (err: unknown) => res.destroy(err instanceof Error ? err : new Error(String(err))),
      );
      return;
    }
    if (path === "/metrics") {
      registry.metrics().then(
        (text) => res.writeHead(200, { "Content-Type": registry.contentType }).end(text),
        (err: unknown) => res.writeHead(500).end(String(err)),
      );
      return;
    }
    const probe = path === "/healthz" ? healthy : path === "/readyz" ? ready : undefined;
    if (!probe) {
      res.writeHead(404).end("not found: try /metrics, /healthz or /readyz\n");
      return;
    }
    const ok = probe();
    res.writeHead(ok ? 200 : 503, { "Content-Type": "text/plain" }).end(ok ? "ok\n" : "not ok\n");
  });
}

/**
 * A liveness function from checks that each return what is wrong, or undefined. A failing probe
 * logs why: the kubelet's event shows only the status code.
 */
export function liveness(log: Logger, ...checks: readonly (() => string | undefined)[]): () => boolean {
  return () => {
    const problems = checks.flatMap((check) => check() ?? []);
    if (problems.length > 0) log.warn("liveness probe failing", { problems });
    return problems.length === 0;
  };
}

/** HOST:PORT, as --http-address flags take it; an empty host is every interface. */
export function splitHostPort(address: string): { host: string; port: number } | undefined {
  const match = /^(.*):(\d+)$/.exec(address);
  return match ? { host: match[1] ?? "", port: Number(match[2]) } : undefined;
}

/** Listens on host:port (port 0 picks a free one); resolves to the port bound. */
export function listen(server: Server, address: string): Promise<number> {
  const split = splitHostPort(address);
  if (!split) throw new Error(`--http-address must be HOST:PORT (e.g. 0.0.0.0:8080 or 127.0.0.1:0), got "${address}"`);
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(split.port, split.host || "0.0.0.0", () => resolve((server.address() as AddressInfo).port));
  });
}
