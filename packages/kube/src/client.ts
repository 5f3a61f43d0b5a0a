import * as http from "node:http";
import * as https from "node:https";
import { type Clock, inSpan, systemClock } from "@edgefleet/kit";
import { SpanKind, type Tracer, trace } from "@opentelemetry/api";
import { applyBody } from "./apply-body.js";
import type { Credentials } from "./credentials.js";
import { KubeError } from "./errors.js";
import { type KubeObject, managedBy, objectPath, type Resource } from "./objects.js";
import { TokenBucket } from "./queue/rate-limiters.js";

const AUTH_TTL_MS = 60_000;
const REQUEST_TIMEOUT_MS = 30_000;

export type Verb = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

export const CONTENT_TYPES = {
  json: "application/json",
  apply: "application/apply-patch+yaml",
  merge: "application/merge-patch+json",
} as const;

export interface RequestArgs {
  method: Verb;
  path: string;
  body?: unknown;
  contentType?: (typeof CONTENT_TYPES)[keyof typeof CONTENT_TYPES];
  /**
   * Longest the whole request may take, from the call to the last byte of the answer; it then
   * fails with status 0. Without it, only a connection silent for 30 s ends it.
   */
  timeoutMs?: number;
}

/** Where the client reports each request, for the operator's request-rate metrics. */
export type RequestObserver = (verb: Verb | "WATCH", status: number, seconds: number) => void;

export interface KubeClientOptions {
  credentials: Credentials;
  /** Steady requests per second the client allows itself (client-go's QPS); watches count once when opened. */
  qps?: number;
  /** Requests that may go at once above qps (client-go's Burst). */
  burst?: number;
  /** Most connections kept open to the API server. */
  maxSockets?: number;
  clock?: Clock;
  observe?: RequestObserver;
  /** Where the span of each request made inside a span goes (default: the global tracer provider's, a no-op until one is registered). */
  tracer?: Tracer;
  /**
   * Asked just before each write (not reads) goes out; false refuses it with status 0. The
   * operator's client asks its leader elector, so no write leaves after the renew deadline even
   * when a stalled event loop runs a reconcile before the deadline's timer.
   */
  mayWrite?: () => boolean;
}

/**
 * A small JSON client for the API server. It sends bodies as they are: the typed clients of
 * @kubernetes/client-node re-serialize bodies through generated models and drop keys they do not
 * model (custom resources' fields among them). Every request first waits for a token, so the
 * operator itself never floods the API server however much work is queued.
 */
export class KubeClient {
  readonly #credentials: Credentials;
  readonly #server: URL;
  readonly #agent: http.Agent;
  readonly #watchAgent: http.Agent;
  readonly #bucket: TokenBucket;
  readonly #clock: Clock;
  readonly #observe: RequestObserver;
  readonly #tracer: Tracer;
  readonly #mayWrite: () => boolean;
  #tls: { options: https.RequestOptions; at: number } | undefined;

  constructor({
    credentials,
    qps = 50,
    burst = 100,
    maxSockets = 32,
    clock = systemClock,
    observe = () => {},
    tracer = trace.getTracer("@edgefleet/kube"),
    mayWrite = () => true,
  }: KubeClientOptions) {
    this.#credentials = credentials;
    this.#server = credentials.server;
    const Agent = this.#server.protocol === "https:" ? https.Agent : http.Agent;
    this.#agent = new Agent({ keepAlive: true, maxSockets });
    // Watches get connections of their own: a watch that went silent may sit on a dead
    // connection, and its replacement must not be handed another idle one from the same pool.
    this.#watchAgent = new Agent({ keepAlive: false });
    this.#bucket = new TokenBucket({ qps, burst, clock });
    this.#clock = clock;
    this.#observe = observe;
    this.#tracer = tracer;
    this.#mayWrite = mayWrite;
  }

  /** Sends one request; resolves to the decoded body, or rejects with a KubeError. */
  request<T = unknown>(args: RequestArgs): Promise<T> {
    // Only as part of a trace (a reconcile's): lease renewals and informer lists alone would be
    // a root span every few seconds that nobody asked for.
    if (!trace.getActiveSpan()) return this.#request(args).then((r) => r.body as T);
    const attributes = { "http.request.method": args.method, "url.path": args.path, "k8s.resource": resourceOf(args.path) };
    return inSpan(this.#tracer, `${args.method} ${attributes["k8s.resource"]}`, { kind: SpanKind.CLIENT, attributes }, async (span) => {
      const { status, body } = await this.#request(args);
      span.setAttribute("http.response.status_code", status);
      return body as T;
    });
  }

  /**
   * Server-side apply: the object (its metadata's name and namespace say where) as fieldManager's
   * desired state, taking over the fields it sets from other managers (force), as controllers do.
   */
  apply<T = KubeObject, B extends { metadata?: { name?: string; namespace?: string } } = KubeObject>(
    resource: Resource,
    body: B,
    fieldManager: string,
  ): Promise<T> {
    const { name = "", namespace } = body.metadata ?? {};
    return this.request<T>({
      method: "PATCH",
      path: `${managedBy(objectPath(resource, name, namespace), fieldManager)}&force=true`,
      body,
      contentType: CONTENT_TYPES.apply,
    });
  }

  async #request(args: RequestArgs): Promise<{ status: number; body: unknown }> {
    if (args.timeoutMs === undefined) return this.#attempt(args);
    const { timeoutMs } = args;
    const abort = new AbortController();
    const cancel = this.#clock.setTimer(() => abort.abort(), timeoutMs);
    try {
      return await this.#attempt(args, abort.signal);
    } catch (err) {
      if (abort.signal.aborted) throw new KubeError(0, "Timeout", `${args.method} ${args.path}: no answer within ${timeoutMs}ms`);
      throw err;
    } finally {
      cancel();
    }
  }

  async #attempt(args: RequestArgs, signal?: AbortSignal): Promise<{ status: number; body: unknown }> {
    await this.#throttle();
    signal?.throwIfAborted();
    const started = this.#clock.now();
    const res = await this.#send(args, this.#agent, undefined, signal).catch((err: Error) => {
      this.#observe(args.method, 0, (this.#clock.now() - started) / 1000);
      if (err instanceof KubeError) throw err;
      throw new KubeError(0, "Unreachable", `${args.method} ${args.path}: ${err.message}`);
    });
    const text = await readAll(res);
    const status = res.statusCode ?? 0;
    this.#observe(args.method, status, (this.#clock.now() - started) / 1000);
    const body = parseBody(text);
    if (status >= 300 || body === undefined) {
      const { reason = "Unknown", message = text.slice(0, 200) } = (body ?? {}) as { reason?: string; message?: string };
      throw new KubeError(
        status,
        body === undefined && status < 300 ? "NotJson" : reason,
        `${args.method} ${args.path}: ${status} ${message}`,
      );
    }
    return { status, body };
  }

  /**
   * Opens a streaming request (a watch) and returns its response once headers arrive; the
   * caller reads newline-delimited JSON from it and aborts it with the returned request.
   */
  async stream(path: string): Promise<{ response: http.IncomingMessage; request: http.ClientRequest }> {
    await this.#throttle();
    const started = this.#clock.now();
    let request: http.ClientRequest | undefined;
    const response = await this.#send({ method: "GET", path }, this.#watchAgent, (r) => {
      request = r;
    }).catch((err: Error) => {
      throw new KubeError(0, "Unreachable", `WATCH ${path}: ${err.message}`);
    });
    const status = response.statusCode ?? 0;
    this.#observe("WATCH", status, (this.#clock.now() - started) / 1000);
    if (status >= 300 || !request) {
      const text = await readAll(response);
      throw new KubeError(status, "WatchRefused", `WATCH ${path}: ${status} ${text.slice(0, 200)}`);
    }
    return { response, request };
  }

  /** Closes idle connections so the process can exit. */
  close(): void {
    this.#agent.destroy();
    this.#watchAgent.destroy();
  }

  // Credentials are re-read (token files, exec plugins) once a minute, not per request.
  async #auth(): Promise<https.RequestOptions> {
    const now = this.#clock.now();
    if (!this.#tls || now - this.#tls.at > AUTH_TTL_MS) this.#tls = { options: await this.#credentials.requestOptions(), at: now };
    return this.#tls.options;
  }

  async #throttle(): Promise<void> {
    const wait = this.#bucket.when();
    if (wait > 0) await new Promise<void>((resolve) => this.#clock.setTimer(resolve, wait, { keepAlive: true }));
  }

  async #send(
    args: RequestArgs,
    agent: http.Agent,
    onRequest?: (req: http.ClientRequest) => void,
    signal?: AbortSignal,
  ): Promise<http.IncomingMessage> {
    const url = new URL(args.path, this.#server);
    const payload =
      args.body === undefined
        ? undefined
        : Buffer.from(args.contentType === CONTENT_TYPES.apply ? applyBody(args.body) : JSON.stringify(args.body));
    const options: https.RequestOptions = {
      method: args.method,
      agent,
      headers: {
        Accept: "application/json",
        // Node frames a DELETE body neither by length nor in chunks unless told its length: the
        // server then reads the body as the next request on the kept-alive connection.
        ...(payload ? { "Content-Type": args.contentType ?? CONTENT_TYPES.json, "Content-Length": payload.length } : {}),
      },
    };
    const auth = await this.#auth();
    Object.assign(options, auth, { agent, headers: { ...options.headers, ...auth.headers }, ...(signal ? { signal } : {}) });
    signal?.throwIfAborted();
    // Checked last, after every wait, so nothing that was allowed when queued goes out once it is not.
    if (args.method !== "GET" && !this.#mayWrite()) {
      throw new KubeError(0, "NotAllowed", `${args.method} ${args.path}: writes are not allowed now (leadership lost)`);
    }
    return new Promise((resolve, reject) => {
      const req = (url.protocol === "https:" ? https : http).request(url, options, (res) => {
        // A watch may rightly stay quiet for minutes: the informer's watchdog takes over from here.
        if (onRequest) req.setTimeout(0);
        resolve(res);
      });
      // A connection the server never answers on would otherwise hang its worker (or informer) forever.
      req.setTimeout(REQUEST_TIMEOUT_MS, () => req.destroy(new Error(`no answer within ${REQUEST_TIMEOUT_MS / 1000}s`)));
      req.on("error", reject);
      onRequest?.(req);
      req.end(payload);
    });
  }
}

/** The decoded JSON body ({} when empty), or undefined for text that is not JSON (a proxy's or Go's plain-text errors). */
function parseBody(text: string): unknown {
  if (!text) return {};
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function readAll(res: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on("data", (c: Buffer) => chunks.push(c));
    res.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    res.on("error", reject);
    // An aborted answer (a timeout) may end with close alone; after end this is a no-op.
    res.on("close", () => reject(new Error("connection closed before the answer ended")));
  });
}

/** The resource type a request path names ("/apis/apps/v1/namespaces/ns/daemonsets/x/status" -> "daemonsets"), for span names. */
export function resourceOf(path: string): string {
  const segments = (path.split("?")[0] ?? "").split("/").filter((s) => s !== "");
  const rest = segments.slice(segments[0] === "apis" ? 3 : 2);
  return (rest[0] === "namespaces" && rest.length >= 3 ? rest[2] : rest[0]) ?? "unknown";
}
