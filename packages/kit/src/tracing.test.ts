import { context, SpanStatusCode } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { jsonLogger } from "./log.js";
import { inSpan, startTracing, tracingEnabled, tracingProblems } from "./tracing.js";

describe("tracing from the OTEL_* environment", () => {
  it("is on only once an exporter or an OTLP endpoint is named, and never when the SDK is disabled", () => {
    expect(tracingEnabled({})).toBe(false);
    expect(tracingEnabled({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318" })).toBe(true);
    expect(tracingEnabled({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "http://collector:4318/v1/traces" })).toBe(true);
    expect(tracingEnabled({ OTEL_TRACES_EXPORTER: "console" })).toBe(true);
    expect(tracingEnabled({ OTEL_TRACES_EXPORTER: "none", OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318" })).toBe(false);
    expect(tracingEnabled({ OTEL_SDK_DISABLED: "true", OTEL_TRACES_EXPORTER: "otlp" })).toBe(false);
  });

  it("refuses exporters and protocols the SDK does not have, naming the variable and the choices", async () => {
    expect(tracingProblems({ OTEL_TRACES_EXPORTER: "otlp,jaeger", OTEL_EXPORTER_OTLP_PROTOCOL: "http" })).toEqual([
      'OTEL_TRACES_EXPORTER: "jaeger" is not an exporter this program has: use otlp, console, none',
      'OTEL_EXPORTER_OTLP_PROTOCOL: "http" is not an OTLP protocol: use grpc, http/protobuf, http/json',
    ]);
    await expect(startTracing("edgefleet-test", { OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: "udp" })).rejects.toThrow(
      /OTEL_EXPORTER_OTLP_TRACES_PROTOCOL/,
    );
    expect(tracingProblems({ OTEL_TRACES_EXPORTER: "otlp", OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: "grpc" })).toEqual([]);
  });

  it("starts nothing while off", async () => {
    const tracing = await startTracing("edgefleet-test", {});
    const span = tracing.tracer.startSpan("noop");
    expect(span.isRecording()).toBe(false);
    span.end();
    await tracing.shutdown();
  });
});

describe("inSpan and the logger", () => {
  const exporter = new InMemorySpanExporter();
  const tracer = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }).getTracer("test");
  const contextManager = new AsyncLocalStorageContextManager();
  beforeAll(() => context.setGlobalContextManager(contextManager.enable()));
  afterAll(() => {
    contextManager.disable();
    context.disable();
  });

  it("ends the span when fn settles, marks a rejection failed, and passes results and errors through", async () => {
    exporter.reset();
    await expect(inSpan(tracer, "ok", {}, async () => 7)).resolves.toBe(7);
    expect(inSpan(tracer, "sync", {}, () => "now")).toBe("now");
    await expect(inSpan(tracer, "fails", {}, async () => Promise.reject(new Error("boom")))).rejects.toThrow("boom");
    expect(() =>
      inSpan(tracer, "throws", {}, () => {
        throw new Error("bang");
      }),
    ).toThrow("bang");
    const spans = exporter.getFinishedSpans();
    expect(spans.map((s) => [s.name, s.status.code])).toEqual([
      ["ok", SpanStatusCode.UNSET],
      ["sync", SpanStatusCode.UNSET],
      ["fails", SpanStatusCode.ERROR],
      ["throws", SpanStatusCode.ERROR],
    ]);
  });

  it("writes the active span's trace and span ids into log lines, across awaits, and none outside a span", async () => {
    exporter.reset();
    const lines: Record<string, unknown>[] = [];
    const log = jsonLogger({ write: (l) => void lines.push(JSON.parse(l)) });
    await inSpan(tracer, "outer", {}, async () => {
      await new Promise((r) => setTimeout(r, 1));
      log.info("inside");
    });
    log.info("outside");
    const [span] = exporter.getFinishedSpans();
    expect(lines[0]).toMatchObject({ msg: "inside", trace_id: span?.spanContext().traceId, span_id: span?.spanContext().spanId });
    expect(lines[1]).not.toHaveProperty("trace_id");
  });
});
