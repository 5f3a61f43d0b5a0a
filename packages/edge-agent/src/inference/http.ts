import { Agent, request } from "node:http";

export interface HttpAnswer {
  status: number;
  body: string;
}

/**
 * One HTTP/1.1 request over a keep-alive agent, body read in full; rejects on network errors and
 * after timeoutMs. node:http rather than fetch: its overhead is a fraction of fetch's, and probes
 * should measure the runtime, not the client.
 */
export async function httpRequest(agent: Agent, url: string, timeoutMs: number, body?: string): Promise<HttpAnswer> {
  try {
    return await once(agent, url, timeoutMs, body);
  } catch (err) {
    // A kept-alive connection the server closed while it idled fails on its next use; Node's docs
    // advise one retry on a fresh connection. A runtime that is really gone fails that one too.
    if (!(err instanceof StaleSocketError)) throw err;
    return once(agent, url, timeoutMs, body);
  }
}

class StaleSocketError extends Error {}

function once(agent: Agent, url: string, timeoutMs: number, body?: string): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        agent,
        method: body === undefined ? "GET" : "POST",
        headers: body === undefined ? {} : { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(body) },
        timeout: timeoutMs,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
        res.on("error", reject);
      },
    );
    req.on("timeout", () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on("error", (err: NodeJS.ErrnoException) =>
      reject(req.reusedSocket && err.code === "ECONNRESET" ? new StaleSocketError(err.message, { cause: err }) : err),
    );
    req.end(body);
  });
}

export function keepAliveAgent(): Agent {
  return new Agent({ keepAlive: true, maxSockets: 4 });
}
