import { createReadStream, statSync } from "node:fs";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { basename, join } from "node:path";

export interface ArtifactServerOptions {
  /** Files served by name from this directory, flat: no paths, so nothing outside it can be asked for. */
  readonly dir: string;
  readonly tls: { readonly cert: string; readonly key: string };
  readonly host?: string;
  readonly port?: number;
}

export interface ArtifactServer {
  readonly url: string;
  close(): Promise<void>;
}

/** Parses a single `bytes=start-` or `bytes=start-end` range; anything else is served whole. */
export function parseRange(header: string | undefined, size: number): { start: number; end: number } | "unsatisfiable" | undefined {
  const match = header === undefined ? null : /^bytes=(\d+)-(\d*)$/.exec(header);
  if (!match) return undefined;
  const start = Number(match[1]);
  const end = match[2] ? Math.min(Number(match[2]), size - 1) : size - 1;
  return start >= size || start > end ? "unsatisfiable" : { start, end };
}

/**
 * The local platform's model registry: an HTTPS file server with byte ranges, so agents download
 * artifacts the way they do from a real registry, resume included.
 */
export async function startArtifactServer(options: ArtifactServerOptions): Promise<ArtifactServer> {
  const server: Server = createServer({ cert: options.tls.cert, key: options.tls.key }, (req, res) => {
    const name = basename(decodeURIComponent(new URL(req.url ?? "/", "https://x").pathname));
    let size: number;
    try {
      size = statSync(join(options.dir, name)).size;
    } catch {
      res.writeHead(404).end(`no artifact ${name}\n`);
      return;
    }
    const range = parseRange(req.headers.range, size);
    if (range === "unsatisfiable") {
      res.writeHead(416, { "content-range": `bytes */${size}` }).end();
      return;
    }
    const { start, end } = range ?? { start: 0, end: size - 1 };
    res.writeHead(range ? 206 : 200, {
      "content-type": "application/octet-stream",
      "content-length": end - start + 1,
      "accept-ranges": "bytes",
      ...(range ? { "content-range": `bytes ${start}-${end}/${size}` } : {}),
    });
    if (req.method === "HEAD") return void res.end();
    createReadStream(join(options.dir, name), { start, end }).pipe(res);
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, options.host ?? "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `https://${options.host ?? "127.0.0.1"}:${port}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
