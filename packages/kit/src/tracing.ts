import { type Tracer, trace } from "@opentelemetry/api";
import { BasicTracerProvider, BatchSpanProcessor, ConsoleSpanExporter, type SpanExporter } from "@opentelemetry/sdk-trace-base";

export const TRACE_EXPORTERS = ["none", "console"] as const;
export type TraceExporterKind = (typeof TRACE_EXPORTERS)[number];

export interface Tracing {
  tracer: Tracer;
  /** Exports spans still buffered; for shutdown. */
  shutdown(): Promise<void>;
}

function exporterFor(kind: string): SpanExporter | undefined {
  switch (kind) {
    case "none":
      return undefined;
    case "console":
      return new ConsoleSpanExporter();
    default:
      throw new Error(`--trace-exporter must be one of ${TRACE_EXPORTERS.join(", ")}, got "${kind}"`);
  }
}

/**
 * The tracer reconciles report spans to. With "none" it is the OpenTelemetry API's no-op tracer
 * (unless the embedding process registered a provider), which costs next to nothing per span.
 */
export function tracing(kind: string, serviceName: string): Tracing {
  const exporter = exporterFor(kind);
  if (!exporter) return { tracer: trace.getTracer(serviceName), shutdown: async () => {} };
  const provider = new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(exporter)] });
  return { tracer: provider.getTracer(serviceName), shutdown: () => provider.shutdown() };
}
