import { inSpan } from "@edgefleet/kit";
import { SpanKind, type Tracer, trace } from "@opentelemetry/api";
import type { MetricsSource, Sample } from "./metrics-source.js";

export interface PrometheusSourceOptions {
  /** Base URL of the Prometheus server (or anything serving its HTTP API), e.g. http://prometheus:9090. */
  url: string;
  timeoutMs: number;
  fetch?: typeof fetch;
  tracer?: Tracer;
}

interface QueryResponse {
  status: "success" | "error";
  error?: string;
  errorType?: string;
  data?: { resultType: string; result: { metric: Record<string, string>; value: [number, string] }[] };
}

/** Instant queries through Prometheus's HTTP API (GET /api/v1/query). */
export class PrometheusSource implements MetricsSource {
  readonly description: string;
  readonly #base: URL;
  readonly #o: Required<PrometheusSourceOptions>;

  constructor(options: PrometheusSourceOptions) {
    this.#o = { fetch: globalThis.fetch, tracer: trace.getTracer("@edgefleet/operator"), ...options };
    try {
      this.#base = new URL(options.url.endsWith("/") ? options.url : `${options.url}/`);
    } catch {
      throw new Error(`Prometheus URL "${options.url}" is not a URL: give one like http://prometheus:9090`);
    }
    if (this.#base.protocol !== "http:" && this.#base.protocol !== "https:") {
      throw new Error(`Prometheus URL "${options.url}" must be http:// or https://`);
    }
    this.description = `prometheus at ${this.#base.origin}${this.#base.pathname.replace(/\/$/, "")}`;
  }

  instant(query: string): Promise<Sample[]> {
    const attributes = { "db.system.name": "prometheus", "db.query.text": query, "server.address": this.#base.host };
    return inSpan(this.#o.tracer, "prometheus query", { kind: SpanKind.CLIENT, attributes }, async (span) => {
      const samples = await this.#instant(query);
      span.setAttribute("edgefleet.samples", samples.length);
      return samples;
    });
  }

  async #instant(query: string): Promise<Sample[]> {
    const url = new URL("api/v1/query", this.#base);
    url.searchParams.set("query", query);
    let res: Response;
    try {
      res = await this.#o.fetch(url, { signal: AbortSignal.timeout(this.#o.timeoutMs), headers: { Accept: "application/json" } });
    } catch (err) {
      const why = err instanceof Error && err.name === "TimeoutError" ? `no answer within ${this.#o.timeoutMs}ms` : causeOf(err);
      throw new Error(`${this.description} unreachable: ${why}`);
    }
    const text = await res.text();
    let body: QueryResponse;
    try {
      body = JSON.parse(text) as QueryResponse;
    } catch {
      throw new Error(`${this.description} answered ${res.status} with no JSON: ${text.slice(0, 200)}`);
    }
    if (!res.ok || body.status !== "success") {
      throw new Error(`${this.description} answered ${res.status}: ${body.errorType ?? "error"}: ${body.error ?? text.slice(0, 200)}`);
    }
    if (body.data?.resultType !== "vector") throw new Error(`${this.description} answered a ${body.data?.resultType}, not a vector`);
    return body.data.result.map((r) => ({ labels: r.metric, value: Number(r.value[1]) }));
  }
}

function causeOf(err: unknown): string {
  const cause = err instanceof Error && err.cause instanceof Error ? err.cause.message : undefined;
  return cause ?? String(err);
}
