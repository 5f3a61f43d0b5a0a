import { createReadStream } from "node:fs";
import { request as httpRequest, type IncomingHttpHeaders } from "node:http";
import { request as httpsRequest } from "node:https";

export interface HttpResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** What a request sends: bytes, or a file streamed (a model file is too large to hold in memory). */
export type RequestBody = Buffer | { file: string; size: number };

export interface ExchangeOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: RequestBody;
  /** Trusted CAs (trustedCas() of the https options); undefined for Node's default trust. */
  ca?: string[] | undefined;
  /** No byte either way for this long cuts the request. */
  timeoutMs?: number;
  /** A longer answer is an error: manifests and tokens are small, and a broken server must not fill memory. */
  maxBytes?: number;
  signal?: AbortSignal;
}

/**
 * One HTTP(S) request with its whole (bounded) answer, for a registry's small JSON documents and
 * uploads; large downloads go through the https fetcher, which resumes. Rejects on network errors
 * only: every status is an answer.
 */
export function exchange(url: URL, options: ExchangeOptions = {}): Promise<HttpResponse> {
  const { body, maxBytes = 4 * 1024 * 1024, timeoutMs = 30_000 } = options;
  const length = body === undefined ? 0 : Buffer.isBuffer(body) ? body.length : body.size;
  const headers = { ...options.headers, ...(body === undefined ? {} : { "content-length": String(length) }) };
  const send = url.protocol === "http:" ? httpRequest : httpsRequest;
  return new Promise((resolve, reject) => {
    const req = send(
      url,
      {
        method: options.method ?? "GET",
        headers,
        ...(options.ca && url.protocol === "https:" ? { ca: options.ca } : {}),
        ...(options.signal ? { signal: options.signal } : {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on("data", (chunk: Buffer) => {
          size += chunk.length;
          if (size > maxBytes) return req.destroy(new Error(`${url.origin}${url.pathname}: answer larger than ${maxBytes} bytes`));
          chunks.push(chunk);
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on("error", reject);
      },
    );
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`${url.origin}${url.pathname}: no data for ${timeoutMs} ms`)));
    req.on("error", reject);
    if (body === undefined) req.end();
    else if (Buffer.isBuffer(body)) req.end(body);
    else
      createReadStream(body.file)
        .on("error", (err) => req.destroy(err))
        .pipe(req);
  });
}
