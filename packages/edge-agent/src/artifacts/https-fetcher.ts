import { request as httpRequest, type IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
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

/** The source moved the file elsewhere (a registry's blob storage, a CDN): asked again there. */
class Redirect extends Error {
  constructor(readonly location: string) {
    super(`redirected to ${location}`);
  }
}

const REDIRECT_STATUS = new Set([301, 302, 303, 307, 308]);
const MAX_REDIRECTS = 10;

/** Where an HTTP download gets its bytes, when that is not the request's URI itself (an OCI blob). */
export interface HttpSource {
  url: string;
  /**
   * Sent to the source's origin only: a redirect to another origin (pre-signed storage URLs) drops
   * them, so a registry's Authorization never leaves the registry.
   */
  headers?: Record<string, string>;
  /** http:// allowed, for a registry explicitly allowed plain HTTP; never by default. */
  plainHttp?: boolean;
}

export interface HttpsFetcher extends Fetcher {
  /** fetch(), but from `source` (messages still name request.uri). */
  fetchFrom(request: FetchRequest, source: HttpSource): Promise<void>;
}

/** Answers of a busy or broken server, worth asking again; any other status is final. */
export const RETRYABLE_STATUS: ReadonlySet<number> = new Set([408, 425, 429, 500, 502, 503, 504]);

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
 * finishes a large file; attempts in a row without progress are bounded. Redirects are followed
 * (to https:// only, unless the source allows plain HTTP).
 */
export function httpsFetcher(options: HttpsFetcherOptions = {}): HttpsFetcher {
  const retry = resolveRetry(options);
  const idleTimeoutMs = options.idleTimeoutMs ?? 30_000;
  const ca = trustedCas(options);

  function attempt(req: FetchRequest, url: URL, headers: Record<string, string>): Promise<void> {
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
        } else if (REDIRECT_STATUS.has(status) && res.headers.location) {
          res.resume();
          return settle(new Redirect(res.headers.location));
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
      const client = (url.protocol === "http:" ? httpRequest : httpsRequest)(
        url,
        {
          headers: offset > 0 ? { ...headers, Range: `bytes=${offset}-` } : headers,
          ...(ca ? { ca } : {}),
          ...(req.signal ? { signal: req.signal } : {}),
        },
        onResponse,
      );
      client.setTimeout(idleTimeoutMs, () => settle(new Transient(`no data for ${idleTimeoutMs} ms`)));
      client.on("error", (err) => settle(new Transient(err.message)));
      client.end();
    });
  }

  /** The URL of the attempt's next request, and its headers: the source's only at the source's origin. */
  function follow(req: FetchRequest, source: HttpSource, from: URL | undefined, location: string | undefined) {
    const origin = new URL(source.url);
    const url = from === undefined || location === undefined ? origin : new URL(location, from);
    const allowed = url.protocol === "https:" || (url.protocol === "http:" && source.plainHttp === true);
    if (!allowed) throw new ArtifactRefusal("download-failed", `${req.uri}: ${url.protocol}// is not allowed (${url.origin})`);
    return { url, headers: url.origin === origin.origin ? (source.headers ?? {}) : {} };
  }

  async function fetchFrom(req: FetchRequest, source: HttpSource): Promise<void> {
    let failures = 0;
    for (;;) {
      const before = req.sink.offset;
      if (before === req.sizeBytes) return; // a previous run fetched it all; the digest decides
      // Each attempt starts at the source: a pre-signed redirect target may have expired.
      let target = follow(req, source, undefined, undefined);
      try {
        for (let redirects = 0; ; redirects++) {
          try {
            return await attempt(req, target.url, target.headers);
          } catch (err) {
            if (!(err instanceof Redirect)) throw err;
            if (redirects >= MAX_REDIRECTS)
              throw new ArtifactRefusal("download-failed", `${req.uri}: more than ${MAX_REDIRECTS} redirects`);
            target = follow(req, source, target.url, err.location);
          }
        }
      } catch (err) {
        if (req.signal?.aborted) throw new ArtifactRefusal("download-failed", `${req.uri}: aborted`, { cause: err });
        if (!(err instanceof Transient)) throw err;
        failures = req.sink.offset > before ? 1 : failures + 1;
        if (failures >= retry.attempts) {
          throw new ArtifactRefusal(
            "download-failed",
            `${req.uri}: ${err.message} (${failures} attempt${failures === 1 ? "" : "s"} without progress)`,
            { cause: err },
          );
        }
        await retry.sleep(retry.delay(failures), req.signal);
      }
    }
  }

  return { fetch: (req) => fetchFrom(req, { url: req.uri }), fetchFrom };
}
