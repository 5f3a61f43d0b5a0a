import { type Span, type SpanOptions, SpanStatusCode, type Tracer, trace } from "@opentelemetry/api";

export interface Tracing {
  /** The tracer the program's spans go to: the SDK's when tracing is on, the API's no-op one otherwise. */
  readonly tracer: Tracer;
  /** Exports the spans still buffered; for shutdown. */
  shutdown(): Promise<void>;
}

type Env = Readonly<Record<string, string | undefined>>;

const EXPORTERS = ["otlp", "console", "none"];
/** The OTLP transports the SDK has (OTEL_EXPORTER_OTLP_PROTOCOL). */
export const OTLP_PROTOCOLS = ["grpc", "http/protobuf", "http/json"] as const;
export type OtlpProtocol = (typeof OTLP_PROTOCOLS)[number];

/** The OTEL_* settings this program honours that are set to something the SDK cannot do, as errors naming the variable. */
export function tracingProblems(env: Env): string[] {
  const problems: string[] = [];
  const exporters = (env.OTEL_TRACES_EXPORTER ?? "").split(",").map((s) => s.trim());
  for (const e of exporters.filter((e) => e !== "" && !EXPORTERS.includes(e)))
    problems.push(`OTEL_TRACES_EXPORTER: "${e}" is not an exporter this program has: use ${EXPORTERS.join(", ")}`);
  for (const name of ["OTEL_EXPORTER_OTLP_PROTOCOL", "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL"]) {
    const value = env[name];
    if (value !== undefined && value !== "" && !(OTLP_PROTOCOLS as readonly string[]).includes(value))
      problems.push(`${name}: "${value}" is not an OTLP protocol: use ${OTLP_PROTOCOLS.join(", ")}`);
  }
  return problems;
}

/**
 * Whether the environment asks for traces. The specification's default exporter is OTLP to
 * localhost; an edge process nobody pointed at a collector should not send (or retry) anything,
 * so tracing starts only once an exporter or an OTLP endpoint is named.
 */
export function tracingEnabled(env: Env): boolean {
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === "true") return false;
  const exporters = (env.OTEL_TRACES_EXPORTER ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
  if (exporters.length > 0) return !exporters.includes("none");
  return !!(env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT);
}

/**
 * Starts the OpenTelemetry SDK for Node for this program's traces, configured by the standard
 * OTEL_* environment variables (exporter, OTLP endpoint, protocol, headers, batch sizes, sampler,
 * resource attributes); OTEL_SERVICE_NAME overrides the program's service name. Metrics stay on
 * the program's Prometheus endpoint and logs on stdout, so the SDK exports neither. Throws on a
 * setting it cannot honour, naming the variable.
 */
export async function startTracing(serviceName: string, env: Env = process.env): Promise<Tracing> {
  const problems = tracingProblems(env);
  if (problems.length > 0) throw new Error(problems.join("\n"));
  if (!tracingEnabled(env)) return { tracer: trace.getTracer(serviceName), shutdown: async () => {} };
  // Loaded only when on: the SDK and its exporters cost every program that never traces start-up time and memory.
  const { NodeSDK } = await import("@opentelemetry/sdk-node");
  const sdk = new NodeSDK({
    ...(env.OTEL_SERVICE_NAME ? {} : { serviceName }),
    instrumentations: [],
    metricReaders: [],
    logRecordProcessors: [],
  });
  sdk.start();
  return { tracer: trace.getTracer(serviceName), shutdown: () => sdk.shutdown() };
}

/**
 * Runs fn in a span of its own (the active one for what fn calls, so child spans and log lines
 * join its trace), ended when fn returns or settles; a throw or rejection marks it failed.
 */
export function inSpan<T>(tracer: Tracer, name: string, options: SpanOptions, fn: (span: Span) => T): T {
  return tracer.startActiveSpan(name, options, (span) => {
    const failed = (err: unknown) => {
      span.recordException(err instanceof Error ? err : String(err));
      span.setStatus({ code: SpanStatusCode.ERROR, message: String(err) });
      span.end();
      throw err;
    };
    let result: T;
    try {
      result = fn(span);
    } catch (err) {
      return failed(err);
    }
    if (!(result instanceof Promise)) {
      span.end();
      return result;
    }
    return result.then((value) => {
      span.end();
      return value;
    }, failed) as T;
  });
}
