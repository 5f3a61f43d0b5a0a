import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { stringify } from "yaml";
import { loadToolchain } from "../cluster/toolchain.js";
import { freePort } from "./ports.js";
import { Service } from "./service.js";

/** One span as the collector's file exporter writes it (OTLP JSON), with its resource's attributes. */
export interface ReceivedSpan {
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId?: string;
  readonly name: string;
  readonly attributes: Readonly<Record<string, unknown>>;
  readonly resource: Readonly<Record<string, unknown>>;
}

export interface OtelCollector {
  /** OTLP/HTTP base URL, for OTEL_EXPORTER_OTLP_ENDPOINT. */
  readonly httpEndpoint: string;
  /** OTLP/gRPC endpoint. */
  readonly grpcEndpoint: string;
  readonly service: Service;
  /** Where the received spans are written, one OTLP JSON export request a line. */
  readonly file: string;
  /** Every span received so far. */
  spans(): ReceivedSpan[];
}

export interface OtelCollectorOptions {
  /** Its config, output file and log live here. */
  readonly dir: string;
}

/** collector.yaml: OTLP in (gRPC and HTTP on loopback), every trace out to one JSON-lines file. */
export function collectorConfig(grpcPort: number, httpPort: number, output: string): string {
  return stringify({
    receivers: { otlp: { protocols: { grpc: { endpoint: `127.0.0.1:${grpcPort}` }, http: { endpoint: `127.0.0.1:${httpPort}` } } } },
    // The file exporter buffers for a second by default; tests and the demo read it as spans arrive.
    exporters: { file: { path: output, format: "json", flush_interval: "100ms" } },
    // Its own metrics would listen on :8888, which two collectors (or anything else) would fight over.
    service: { telemetry: { metrics: { level: "none" } }, pipelines: { traces: { receivers: ["otlp"], exporters: ["file"] } } },
  });
}

type AnyValue = { stringValue?: string; intValue?: string; boolValue?: boolean; doubleValue?: number };
type KeyValue = { key: string; value: AnyValue };

const attributes = (list: readonly KeyValue[] = []) =>
  Object.fromEntries(list.map(({ key, value }) => [key, value.stringValue ?? value.intValue ?? value.boolValue ?? value.doubleValue]));

/** The spans of the file exporter's output: one OTLP JSON export request a line. */
export function parseSpans(text: string): ReceivedSpan[] {
  return text
    .split("\n")
    .filter((line) => line.trim() !== "")
    .flatMap((line) => {
      const request = JSON.parse(line) as {
        resourceSpans?: {
          resource?: { attributes?: KeyValue[] };
          scopeSpans?: { spans?: (Omit<ReceivedSpan, "attributes" | "resource"> & { attributes?: KeyValue[] })[] }[];
        }[];
      };
      return (request.resourceSpans ?? []).flatMap((rs) =>
        (rs.scopeSpans ?? []).flatMap((ss) =>
          (ss.spans ?? []).map((s) => ({ ...s, attributes: attributes(s.attributes), resource: attributes(rs.resource?.attributes) })),
        ),
      );
    });
}

/** Runs the toolchain's OpenTelemetry Collector (otelcol-edgefleet); resolves once its OTLP/HTTP port accepts connections. */
export async function startOtelCollector(options: OtelCollectorOptions): Promise<OtelCollector> {
  const binary = loadToolchain().bin("otelcol-edgefleet");
  mkdirSync(options.dir, { recursive: true });
  const [grpcPort, httpPort] = [await freePort(), await freePort()];
  const output = join(options.dir, "traces.jsonl");
  const configFile = join(options.dir, "collector.yaml");
  writeFileSync(configFile, collectorConfig(grpcPort, httpPort, output));
  const service = new Service({
    name: "otel-collector",
    command: binary,
    args: [`--config=${configFile}`],
    logFile: join(options.dir, "collector.log"),
    readiness: { tcpPort: httpPort },
    startTimeoutMs: 30_000,
  });
  await service.start();
  return {
    httpEndpoint: `http://127.0.0.1:${httpPort}`,
    grpcEndpoint: `http://127.0.0.1:${grpcPort}`,
    service,
    file: output,
    spans: () => parseSpans(readFileSync(output, "utf8")),
  };
}
