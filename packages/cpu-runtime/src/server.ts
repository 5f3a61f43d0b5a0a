import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Logger } from "@edgefleet/kit";
import { errorMessage, listen } from "@edgefleet/kit";
import type { Registry } from "prom-client";
// Imported, not read at run time: the bundled image (deploy/docker/cpu-runtime.Dockerfile) has no package.json.
import runtimePackage from "../package.json" with { type: "json" };
import { ProtocolError } from "./errors.js";
import { type LatencyClock, type Stopwatch, stopwatch } from "./latency-clock.js";
import { type InferenceMetrics, inferenceMetricFamilies, type ModelLabels } from "./metrics.js";
import { ModelTable, type Serving } from "./model-table.js";
import { SEGMENT, SEGMENT_RULE } from "./names.js";
import { allowed, type ModelRepository, parseLoadRequest, type RestrictedApi } from "./repository.js";
import type { InferRequest } from "./request.js";
import { isPost, type Route, route } from "./routes.js";
import type { LoadedModel, OutputTensor } from "./served-model.js";

export const SERVER_NAME = "edgefleet-cpu-runtime";
const SERVER_VERSION: string = runtimePackage.version;
export const DEFAULT_MAX_BODY_BYTES = 64 * 1024 * 1024;
/** A model file of up to 384 MiB, in base64. */
export const DEFAULT_MAX_LOAD_BYTES = 512 * 1024 * 1024;
/** How long close() lets in-flight requests finish. */
const CLOSE_GRACE_MS = 2_000;
const KEEP_ALIVE_TIMEOUT_MS = 65_000;

export interface RuntimeServerOptions {
  /** The server's name and version in /v2; edgefleet's CPU runtime unless set. */
  server?: { name: string; version: string };
  /** The one model this runtime serves; known before it loads, so requests for it get 503 rather than 404. */
  model?: ModelLabels;
  /**
   * Explicit model control instead of one model: models are loaded and unloaded through the model
   * repository extension (/v2/repository), each served while the others load and unload.
   */
  repository?: ModelRepository;
  /** The header the model repository API requires (--http-restricted-api). */
  restricted?: RestrictedApi;
  /** Load request bodies (the model file in base64) above this are refused with 413. */
  maxLoadBytes?: number;
  registry: Registry;
  log: Logger;
  /** Infer request bodies above this are refused with 413. */
  maxBodyBytes?: number;
  /** Requests whose input tensors would take more bytes are refused with 400; 0 or unset: defaultMaxInputBytes of the model. */
  maxInputBytes?: number;
  /** What inference durations are measured on; wall time unless set. */
  latencyClock?: LatencyClock;
}

/** How many loaded models' names a 404 lists. */
const NAMES_LISTED = 10;

const JSON_TYPE = "application/json";

function send(res: ServerResponse, status: number, body: string, contentType = JSON_TYPE): void {
  res.writeHead(status, { "Content-Type": contentType, "Content-Length": Buffer.byteLength(body) }).end(body);
}

function sendError(res: ServerResponse, status: number, message: string): void {
  if (status === 413) res.setHeader("Connection", "close");
  send(res, status, JSON.stringify({ error: message }));
}

function readBody(req: IncomingMessage, limit: number, flag = "--max-body-bytes"): Promise<Buffer> {
  const tooLarge = () => new ProtocolError(413, `request body exceeds the runtime's limit of ${limit} bytes (${flag})`);
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

/**
 * An Open Inference Protocol v2 REST server, plus its Prometheus /metrics: for one model, or under
 * explicit model control for the models loaded through its model repository API.
 */
export class RuntimeServer {
  readonly server: Server;
  private readonly table: ModelTable;
  private readonly maxBodyBytes: number;
  private readonly serverMetadata: string;
  private readonly elapsed: Stopwatch;

  constructor(private readonly options: RuntimeServerOptions) {
    if (!options.model === !options.repository) throw new Error("RuntimeServer serves one model or a repository: give model or repository");
    this.maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
    this.table = new ModelTable(inferenceMetricFamilies(options.registry), options.maxInputBytes ?? 0);
    if (options.model) this.table.expect(options.model.name, options.model.version);
    this.elapsed = stopwatch(options.latencyClock ?? "wall", () => this.table.cpuElsewhereMs());
    this.serverMetadata = JSON.stringify({
      ...(options.server ?? { name: SERVER_NAME, version: SERVER_VERSION }),
      extensions: options.repository ? ["model_repository"] : [],
    });
    this.server = createServer((req, res) => this.handle(req, res));
    // Longer than any probe interval, so a client never reuses a connection the runtime is closing.
    this.server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
  }

  /** Starts serving a loaded model (until then its routes answer 503). */
  setModel(model: LoadedModel): Promise<void> {
    return this.table.serve(model);
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

  /** Frees the models' engines once their requests end; model routes answer 404 afterwards. */
  release(): Promise<void> {
    return this.table.releaseAll();
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const r = route(req.url ?? "/");
    const method = isPost(r.kind) ? "POST" : "GET";
    if (req.method !== method && !(method === "GET" && req.method === "HEAD")) {
      res.setHeader("Allow", method === "GET" ? "GET, HEAD" : method);
      this.refuse(r, res, new ProtocolError(405, `${req.method} is not allowed on ${req.url}; use ${method}`));
      return;
    }
    switch (r.kind) {
      case "live":
        send(res, 200, '{"live":true}');
        return;
      case "ready": {
        // Under explicit model control the server is ready with or without models, as Triton is.
        const ready = this.options.model ? this.table.get(this.options.model.name)?.serving !== undefined : true;
        send(res, ready ? 200 : 503, JSON.stringify({ ready }));
        return;
      }
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
          `no route ${req.url}; OIP v2 routes are /v2, /v2/health/{live,ready}, /v2/models/{name}[/versions/{version}][/ready|/infer], /v2/repository/index, /v2/repository/models/{name}/{load,unload}`,
        );
        return;
      case "repository-index":
      case "repository-load":
      case "repository-unload":
        this.repositoryRoute(r, req, res).catch((err: unknown) => {
          const status = err instanceof ProtocolError ? err.status : 400;
          if (!res.headersSent) sendError(res, status, err instanceof Error ? err.message : String(err));
        });
        return;
      default:
        this.modelRoute(r, req, res);
    }
  }

  private modelRoute(r: Extract<Route, { kind: "model" | "model-ready" | "infer" }>, req: IncomingMessage, res: ServerResponse): void {
    const slot = this.table.get(r.name);
    if (!slot) {
      this.refuse(r, res, new ProtocolError(404, this.notFound(r.name)));
      return;
    }
    const { name, version } = slot;
    if (r.version !== undefined && r.version !== version) {
      this.refuse(
        r,
        res,
        new ProtocolError(404, `model "${name}" has no version "${r.version}"; this runtime serves version "${version}"`),
      );
      return;
    }
    const serving = slot.serving;
    if (r.kind === "model-ready") {
      send(res, serving ? 200 : 503, JSON.stringify({ name, ready: serving !== undefined }));
      return;
    }
    if (!serving) {
      const why =
        slot.state === "UNAVAILABLE"
          ? `failed to load (${slot.reason}); load it again`
          : `is still loading; retry when /v2/models/${name}/ready says so`;
      this.refuse(r, res, new ProtocolError(503, `model "${name}" version "${version}" ${why}`));
      return;
    }
    if (r.kind === "model") send(res, 200, serving.metadata);
    else void serving.use(() => this.infer(serving, req, res));
  }

  private notFound(name: string): string {
    if (this.options.model) return `model "${name}" not found; this runtime serves "${this.options.model.name}"`;
    const loaded = this.table.index().map((s) => s.name);
    const listed = loaded.length ? loaded.slice(0, NAMES_LISTED).join(", ") + (loaded.length > NAMES_LISTED ? ", ..." : "") : "none";
    return `model "${name}" is not loaded (loaded: ${listed}); load it with POST /v2/repository/models/${name}/load`;
  }

  private async repositoryRoute(
    r: Extract<Route, { kind: "repository-index" | "repository-load" | "repository-unload" }>,
    req: IncomingMessage,
    res: ServerResponse,
  ): Promise<void> {
    const { repository, restricted, log } = this.options;
    if (!repository)
      throw new ProtocolError(
        400,
        "this runtime serves one model (--model-name); start it with --model-control-mode explicit to load models through /v2/repository",
      );
    if (restricted && !allowed(restricted, req.headers))
      throw new ProtocolError(
        403,
        `the model repository API is restricted; send the header "${restricted.header}" (--http-restricted-api)`,
      );
    if (r.kind === "repository-index") {
      const body = await readBody(req, this.maxBodyBytes);
      const readyOnly = body.length > 0 && (JSON.parse(body.toString("utf8")) as { ready?: unknown })?.ready === true;
      const models = this.table.index().filter((s) => !readyOnly || s.state === "READY");
      send(
        res,
        200,
        JSON.stringify(models.map(({ name, version, state, reason }) => ({ name, version, state, ...(reason ? { reason } : {}) }))),
      );
      return;
    }
    if (!SEGMENT.test(r.name)) throw new ProtocolError(400, `model name "${r.name}" must ${SEGMENT_RULE}`);
    const started = performance.now();
    if (r.kind === "repository-unload") {
      await this.table.unload(r.name);
      log.info("model unloaded", { model: r.name, seconds: (performance.now() - started) / 1000 });
      send(res, 200, "{}");
      return;
    }
    const { version, bytes } = parseLoadRequest(
      await readBody(req, this.options.maxLoadBytes ?? DEFAULT_MAX_LOAD_BYTES, "--max-load-bytes"),
      repository,
    );
    try {
      await this.table.load(r.name, version, () => repository.load(r.name, version, bytes));
    } catch (err) {
      log.warn("model failed to load", { model: r.name, version, error: errorMessage(err) });
      throw new ProtocolError(400, `load of model "${r.name}" version "${version}" failed: ${errorMessage(err)}`);
    }
    log.info("model loaded", { model: r.name, version, bytes: bytes.length, seconds: (performance.now() - started) / 1000 });
    send(res, 200, "{}");
  }

  /**
   * An error answer; an infer request's is counted too, as the client's fault or as shed load:
   * under the one model a runtime serves whatever name it asked for, or under the loaded model it
   * named (the labels stay the models served).
   */
  private refuse(r: Route, res: ServerResponse, err: ProtocolError): void {
    if (r.kind === "infer") this.countedUnder(r.name)?.failure(err.status === 503 ? "unavailable" : "client_error");
    sendError(res, err.status, err.message);
  }

  /** A runtime of one model counts every infer request under it; one of several, under the model named, when loaded. */
  private countedUnder(name: string): InferenceMetrics | undefined {
    return this.table.get(this.options.model?.name ?? name)?.metrics;
  }

  private async infer(serving: Serving, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const start = this.elapsed();
    try {
      const jsonLength = req.headers["inference-header-content-length"];
      const request = serving.parse(await readBody(req, this.maxBodyBytes), typeof jsonLength === "string" ? jsonLength : undefined);
      const results = await serving.model.run(request.feeds, request.outputs);
      send(res, 200, this.encode(serving, request, results));
      serving.metrics.success((this.elapsed() - start) / 1000);
    } catch (err) {
      if (err instanceof ProtocolError) {
        this.options.log.debug("infer request refused", { status: err.status, error: err.message });
        serving.metrics.failure(err.status === 503 ? "unavailable" : "client_error");
        sendError(res, err.status, err.message);
        return;
      }
      serving.metrics.failure("error");
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
