import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Logger } from "@edgefleet/kit";
import { listen } from "@edgefleet/kit";
import type { Registry } from "prom-client";
// Imported, not read at run time: the bundled image (deploy/docker/cpu-runtime.Dockerfile) has no package.json.
import runtimePackage from "../package.json" with { type: "json" };
import { ProtocolError } from "./errors.js";
import { type LatencyClock, type Stopwatch, stopwatch } from "./latency-clock.js";
import { type InferenceMetrics, inferenceMetrics } from "./metrics.js";
import { defaultMaxInputBytes, type InferRequest, inferRequestParser } from "./request.js";
import { type Route, route } from "./routes.js";
import type { LoadedModel, OutputTensor, TensorSpec } from "./served-model.js";

export const SERVER_NAME = "edgefleet-cpu-runtime";
const SERVER_VERSION: string = runtimePackage.version;
export const DEFAULT_MAX_BODY_BYTES = 64 * 1024 * 1024;
/** How long close() lets in-flight requests finish. */
const CLOSE_GRACE_MS = 2_000;
const KEEP_ALIVE_TIMEOUT_MS = 65_000;

export interface RuntimeServerOptions {
  /** The server's name and version in /v2; edgefleet's CPU runtime unless set. */
  server?: { name: string; version: string };
  /** The model this runtime serves; known before it loads, so requests for it get 503 rather than 404. */
  name: string;
  version: string;
  registry: Registry;
  log: Logger;
  /** Infer request bodies above this are refused with 413. */
  maxBodyBytes?: number;
  /** Requests whose input tensors would take more bytes are refused with 400; 0 or unset: defaultMaxInputBytes of the model. */
  maxInputBytes?: number;
  /** What inference durations are measured on; wall time unless set. */
  latencyClock?: LatencyClock;
}

/** What the runtime serves once the model has loaded; metadata JSON is rendered once. */
interface Serving {
  model: LoadedModel;
  parse: ReturnType<typeof inferRequestParser>;
  metadata: string;
  outputs: ReadonlyMap<string, TensorSpec>;
}

const JSON_TYPE = "application/json";

function send(res: ServerResponse, status: number, body: string, contentType = JSON_TYPE): void {
  res.writeHead(status, { "Content-Type": contentType, "Content-Length": Buffer.byteLength(body) }).end(body);
}

function sendError(res: ServerResponse, status: number, message: string): void {
  if (status === 413) res.setHeader("Connection", "close");
  send(res, status, JSON.stringify({ error: message }));
}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const tooLarge = () => new ProtocolError(413, `request body exceeds the runtime's limit of ${limit} bytes (--max-body-bytes)`);
  if (Number(req.headers["content-length"] ?? 0) > limit) return Promise.reject(tooLarge());
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.removeAllListeners("data");
        req.pause();
        reject(tooLarge());
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size)));
    // A client that goes away mid-body is the client's failure, not the model's.
    req.on("error", (err) => reject(new ProtocolError(400, `request body could not be read: ${err.message}`)));
  });
}

function tensorMetadata(specs: readonly TensorSpec[]) {
  return specs.map(({ name, datatype, shape }) => ({ name, datatype, shape }));
}

/** An Open Inference Protocol v2 REST server for one model, plus its Prometheus /metrics. */
export class RuntimeServer {
  readonly server: Server;
  private serving: Serving | undefined;
  private readonly metrics: InferenceMetrics;
  private readonly maxBodyBytes: number;
  private readonly modelReady: string;
  private readonly serverMetadata: string;
  private readonly elapsed: Stopwatch;

  constructor(private readonly options: RuntimeServerOptions) {
    this.maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
    this.elapsed = stopwatch(options.latencyClock ?? "wall", () => this.serving?.model.cpuElsewhereMs?.() ?? 0);
    this.metrics = inferenceMetrics(options.registry, options);
    this.modelReady = JSON.stringify({ name: options.name, ready: true });
    this.serverMetadata = JSON.stringify({ ...(options.server ?? { name: SERVER_NAME, version: SERVER_VERSION }), extensions: [] });
    this.server = createServer((req, res) => this.handle(req, res));
    // Longer than any probe interval, so a client never reuses a connection the runtime is closing.
    this.server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
  }

  /** Starts serving the loaded model (until then model routes answer 503). */
  setModel(model: LoadedModel): void {
    const metadata = JSON.stringify({
      name: model.name,
      versions: [model.version],
      platform: model.platform,
      inputs: tensorMetadata(model.inputs),
      outputs: tensorMetadata(model.outputs),
    });
    const maxInputBytes = this.options.maxInputBytes || defaultMaxInputBytes(model.inputs);
    this.serving = {
      model,
      parse: inferRequestParser(model, maxInputBytes),
      metadata,
      outputs: new Map(model.outputs.map((o) => [o.name, o])),
    };
  }

  /** Listens on host:port (port 0 picks one); resolves to the bound address as host:port. */
  async listen(address: string): Promise<string> {
    await listen(this.server, address);
    const bound = this.server.address() as AddressInfo;
    return bound.family === "IPv6" ? `[${bound.address}]:${bound.port}` : `${bound.address}:${bound.port}`;
  }

  /**
   * Stops accepting connections and waits for in-flight requests (idle keep-alive sockets are
   * closed). After graceMs the remaining connections are cut: a client that keeps its keep-alive
   * connection busy (a prober) would otherwise hold the server open for ever.
   */
  close(graceMs = CLOSE_GRACE_MS): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.server.closeAllConnections(), graceMs);
      this.server.close(() => {
        clearTimeout(timer);
        resolve();
      });
      this.server.closeIdleConnections();
    });
  }

  /** Frees the model's engine; model routes answer 503 afterwards. */
  async release(): Promise<void> {
    const serving = this.serving;
    this.serving = undefined;
    await serving?.model.release();
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const r = route(req.url ?? "/");
    const method = r.kind === "infer" ? "POST" : "GET";
    if (req.method !== method && !(method === "GET" && req.method === "HEAD")) {
      res.setHeader("Allow", method === "GET" ? "GET, HEAD" : method);
      this.refuse(r.kind, res, new ProtocolError(405, `${req.method} is not allowed on ${req.url}; use ${method}`));
      return;
    }
    switch (r.kind) {
      case "live":
        send(res, 200, '{"live":true}');
        return;
      case "ready":
        send(res, this.serving ? 200 : 503, JSON.stringify({ ready: this.serving !== undefined }));
        return;
      case "server":
        send(res, 200, this.serverMetadata);
        return;
      case "metrics":
        this.options.registry.metrics().then(
          (text) => send(res, 200, text, this.options.registry.contentType),
          (err: unknown) => sendError(res, 500, `metrics: ${err}`),
        );
        return;
      case "unknown":
        sendError(
          res,
          404,
          `no route ${req.url}; OIP v2 routes are /v2, /v2/health/{live,ready}, /v2/models/{name}[/versions/{version}][/ready|/infer]`,
        );
        return;
      default:
        this.modelRoute(r, req, res);
    }
  }

  private modelRoute(r: Extract<Route, { name: string }>, req: IncomingMessage, res: ServerResponse): void {
    const { name, version } = this.options;
    if (r.name !== name) {
      this.refuse(r.kind, res, new ProtocolError(404, `model "${r.name}" not found; this runtime serves "${name}"`));
      return;
    }
    if (r.version !== undefined && r.version !== version) {
      this.refuse(
        r.kind,
        res,
        new ProtocolError(404, `model "${name}" has no version "${r.version}"; this runtime serves version "${version}"`),
      );
      return;
    }
    const serving = this.serving;
    if (r.kind === "model-ready") {
      send(res, serving ? 200 : 503, serving ? this.modelReady : JSON.stringify({ name, ready: false }));
      return;
    }
    if (!serving) {
      this.refuse(
        r.kind,
        res,
        new ProtocolError(503, `model "${name}" version "${version}" is still loading; retry when /v2/models/${name}/ready says so`),
      );
      return;
    }
    if (r.kind === "model") send(res, 200, serving.metadata);
    else this.infer(serving, req, res);
  }

  /**
   * An error answer; an infer request's is counted too, under the served model's labels whatever
   * name it asked for (the labels stay one model version), as the client's fault or as shed load.
   */
  private refuse(kind: Route["kind"], res: ServerResponse, err: ProtocolError): void {
    if (kind === "infer") this.metrics.failure(err.status === 503 ? "unavailable" : "client_error");
    sendError(res, err.status, err.message);
  }

  private async infer(serving: Serving, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const start = this.elapsed();
    try {
      const jsonLength = req.headers["inference-header-content-length"];
      const request = serving.parse(await readBody(req, this.maxBodyBytes), typeof jsonLength === "string" ? jsonLength : undefined);
      const results = await serving.model.run(request.feeds, request.outputs);
      send(res, 200, this.encode(serving, request, results));
      this.metrics.success((this.elapsed() - start) / 1000);
    } catch (err) {
      if (err instanceof ProtocolError) {
        this.options.log.debug("infer request refused", { status: err.status, error: err.message });
        this.refuse("infer", res, err);
        return;
      }
      this.metrics.failure("error");
      this.options.log.warn("inference failed", { error: String(err) });
      if (!res.headersSent) sendError(res, 500, `inference failed: ${err instanceof Error ? err.message : err}`);
    }
  }

  private encode(serving: Serving, request: InferRequest, results: Record<string, OutputTensor>): string {
    const outputs = Object.entries(results).map(([name, tensor]) => {
      const spec = serving.outputs.get(name);
      if (!spec?.type) throw new Error(`output "${name}" is ${spec?.datatype ?? "unknown"}, which this runtime cannot return`);
      return { name, datatype: spec.type.oip, shape: tensor.dims, data: spec.type.toJson(tensor.data) };
    });
    const { name, version } = serving.model;
    return JSON.stringify(
      request.id === undefined
        ? { model_name: name, model_version: version, outputs }
        : { model_name: name, model_version: version, id: request.id, outputs },
    );
  }
}
