import { isSpanContextValid, trace } from "@opentelemetry/api";
import { type Clock, systemClock } from "./clock.js";

/** Structured logging: one JSON object per line, so log pipelines need no parsing rules. */

export const LEVELS = ["debug", "info", "warn", "error"] as const;
export type Level = (typeof LEVELS)[number];
export type Fields = Record<string, unknown>;

export interface Logger {
  debug(msg: string, fields?: Fields): void;
  info(msg: string, fields?: Fields): void;
  warn(msg: string, fields?: Fields): void;
  error(msg: string, fields?: Fields): void;
  /** A logger that adds these fields to every line. */
  with(fields: Fields): Logger;
}

export interface JsonLoggerOptions {
  level?: Level;
  write?: (line: string) => void;
  /** Each line's ts is its wall-clock time. */
  clock?: Clock;
}

export function jsonLogger({
  level = "info",
  write = (l) => process.stdout.write(l),
  clock = systemClock,
}: JsonLoggerOptions = {}): Logger {
  if (!LEVELS.includes(level)) throw new Error(`log level must be one of ${LEVELS.join(", ")}, got "${level}"`);
  const threshold = LEVELS.indexOf(level);
  const make = (context: Fields): Logger => {
    const emit = (lvl: Level) => (msg: string, fields?: Fields) => {
      if (LEVELS.indexOf(lvl) < threshold) return;
      write(`${JSON.stringify({ ts: new Date(clock.wallMs()).toISOString(), level: lvl, msg, ...traceIds(), ...context, ...fields })}\n`);
    };
    return {
      debug: emit("debug"),
      info: emit("info"),
      warn: emit("warn"),
      error: emit("error"),
      with: (fields) => make({ ...context, ...fields }),
    };
  };
  return make({});
}

/**
 * The trace and span a line was logged in, named as in OpenTelemetry's log data model, so a log
 * line leads to its trace in Jaeger or Tempo. Nothing outside a span (or with tracing off).
 */
function traceIds(): { trace_id?: string; span_id?: string } {
  const span = trace.getActiveSpan()?.spanContext();
  return span && isSpanContextValid(span) ? { trace_id: span.traceId, span_id: span.spanId } : {};
}

export const silentLogger: Logger = jsonLogger({ level: "error", write: () => {} });
