import type { IncomingMessage } from "node:http";
import { request } from "node:https";
import { rootCertificates } from "node:tls";
import type { Fetcher, FetchRequest } from "./fetcher.js";
import { ArtifactRefusal } from "./refusal.js";
import { type RetryOptions, resolveRetry } from "./retry.js";

export interface HttpsFetcherOptions extends RetryOptions {
  /** PEM CA certificate(s) trusted instead of the system roots, for a private artifact server. */
  ca?: string | readonly string[];
  /**
   * PEM CA certificate(s) trusted in addition to `ca`, or to Node's bundled public roots without it:
   * the platform's bundle for artifact servers with a private CA, public ones still trusted.
   */
  extraCa?: string;
  /** An attempt that receives nothing for this long (connecting included) is cut and retried. */
  idleTimeoutMs?: number;
}

/** The `ca` option of each request: undefined for Node's default trust. */
export function trustedCas({ ca, extraCa }: HttpsFetcherOptions): string[] | undefined {
  const base = typeof ca === "string" ? [ca] : ca === undefined ? undefined : [...ca];
  // Node's `ca` replaces its default trust rather than adding to it, so an addition names the
  // bundled public roots too (NODE_EXTRA_CA_CERTS, which no edgefleet image sets, is then not read).
  return extraCa === undefined ? base : [...(base ?? rootCertificates), extraCa];
}

/** A failure worth another attempt: the network, a timeout, a busy or broken server. */
class Transient extends Error {}

const RETRYABLE_STATUS = new Set([408, 425, 429, 500, 502, 503, 504]);

/** "bytes 100-199/1000" -> { start: 100, total: 1000 }; total is undefined for "*". */
function contentRange(header: string | undefined): { start: number | undefined; total: number | undefined } {
  const match = /^bytes (?:(\d+)-\d+|\*)\/(\d+|\*)$/.exec(header?.trim() ?? "");
  return {
    start: match?.[1] === undefined ? undefined : Number(match[1]),
    total: match?.[2] === undefined || match[2] === "*" ? undefined : Number(match[2]),
  };
}

/** A refusal when the source's size is known and is not the expected one. */
function sizeMismatch(uri: string, total: number | undefined, sizeBytes: number | undefined): ArtifactRefusal | undefined {
  if (total === undefined || sizeBytes === undefined || total === sizeBytes) return undefined;
  return new ArtifactRefusal("size-mismatch", `${uri} has ${total} bytes, the artifact's sizeBytes is ${sizeBytes}`);
}

/**
 * Downloads over HTTPS into a sink, resuming with a Range request after a cut connection, a
 * timeout or a 5xx. Attempts that make progress reset the retry count, so a flaky link still
 * finishes a large file; attempts in a row without progress are bounded.
 */
export function httpsFetcher(options: HttpsFetcherOptions = {}): Fetcher {
  const retry = resolveRetry(options);
  const idleTimeoutMs = options.idleTimeoutMs ?? 30_000;
  const ca = trustedCas(options);

  function attempt(req: FetchRequest): Promise<void> {
    const { uri, sink, sizeBytes } = req;
    const offset = sink.offset;
    return new Promise((resolve, reject) => {
      let settled = false;
      const settle = (err?: Error) => {
        if (settled) return;
        settled = true;
        if (err) {
          client.destroy();
          reject(err);
        } else resolve();
      };
      const onResponse = (res: IncomingMessage) => {
        const status = res.statusCode ?? 0;
        let total: number | undefined;
        if (status === 206) {
          const range = contentRange(res.headers["content-range"]);
          if (range.start !== offset) {
            // Not the bytes asked for: start over from the beginning on the next attempt.
            sink.reset();
            return settle(new Transient(`server answered range ${res.headers["content-range"] ?? "(none)"} for offset ${offset}`));
          }
          total = range.total;
        } else if (status === 200) {
          if (offset > 0) sink.reset(); // the server ignored Range and sends the whole file
          const length = res.headers["content-length"];
          total = length === undefined ? undefined : Number(length);
        } else if (status === 416) {
          const range = contentRange(res.headers["content-range"]);
          const mismatch = sizeMismatch(uri, range.total, sizeBytes);
          if (mismatch) return settle(mismatch);
          sink.reset(); // our partial bytes are not a prefix of this file
          return settle(new Transient("server refused the resume range"));
        } else if (RETRYABLE_STATUS.has(status)) {
          return settle(new Transient(`HTTP ${status}`));
        } else {
          return settle(new ArtifactRefusal("download-failed", `${uri}: HTTP ${status}`));
        }
        const mismatch = sizeMismatch(uri, total, sizeBytes);
        if (mismatch) return settle(mismatch);
        res.on("data", (chunk: Buffer) => {
          if (settled) return;
          if (sizeBytes !== undefined && sink.offset + chunk.length > sizeBytes) {
            return settle(sizeMismatch(uri, sink.offset + chunk.length, sizeBytes));
          }
          try {
            sink.write(chunk);
          } catch (err) {
            return settle(new ArtifactRefusal("download-failed", `writing ${uri}: ${(err as Error).message}`, { cause: err }));
          }
          req.onProgress?.({ bytes: sink.offset, total: sizeBytes });
        });
        res.on("end", () => settle(res.complete ? undefined : new Transient(`connection closed after ${sink.offset} bytes`)));
        res.on("error", (err) => settle(new Transient(err.message)));
        res.on("close", () => settle(new Transient(`connection closed after ${sink.offset} bytes`)));
      };
      const client = request(
        uri,
        { headers: offset > 0 ? { Range: `bytes=${offset}-` } : {}, ...(ca ? { ca } : {}), ...(req.signal ? { signal: req.signal } : {}) },
        onResponse,
      );
      client.setTimeout(idleTimeoutMs, () => settle(new Transient(`no data for ${idleTimeoutMs} ms`)));
      client.on("error", (err) => settle(new Transient(err.message)));
      client.end();
    });
  }

  return {
    async fetch(req) {
      let failures = 0;
      for (;;) {
        const before = req.sink.offset;
        if (before === req.sizeBytes) return; // a previous run fetched it all; the digest decides
        try {
          return await attempt(req);
        } catch (err) {
          if (req.signal?.aborted) throw new ArtifactRefusal("download-failed", `${req.uri}: aborted`, { cause: err });
          if (!(err instanceof Transient)) throw err;
          failures = req.sink.offset > before ? 1 : failures + 1;
          if (failures >= retry.attempts) {
            throw new ArtifactRefusal(
              "download-failed",
              `${req.uri}: ${err.message} (${failures} attempt${failures === 1 ? "" : "s"} without progress)`,
              {
                cause: err,
              },
            );
          }
          await retry.sleep(retry.delay(failures), req.signal);
        }
      }
    },
  };
}
