import { type Clock, type Logger, systemClock } from "@edgefleet/kit";
import type { BirthPayload, DeathPayload, TelemetryPayload } from "@edgefleet/telemetry";
import { parseTopic, type RejectionCode, validateMessage } from "@edgefleet/telemetry";
import type { DropReason, Fleet } from "./fleet.js";
import type { GatewayMetrics, Kind } from "./metrics.js";

export interface IngestOptions {
  readonly fleet: Fleet;
  readonly metrics: GatewayMetrics;
  readonly log: Logger;
  /** Times the log rate limiting. */
  readonly clock?: Clock;
  /** At most one log line per rejection code or drop reason per this many ms (the counters count every one). */
  readonly logEveryMs?: number;
}

export interface Delivery {
  readonly topic: string;
  readonly payload: Uint8Array;
  /** Sent because it was retained when the gateway subscribed, not because it was just published. */
  readonly retained: boolean;
}

function kindOf(topic: string): Kind {
  const parsed = parseTopic(topic);
  return parsed.ok ? parsed.topic.kind : "unknown";
}

/**
 * Validates and applies one message. Never throws on what a device sent: a bad message, or an entry
 * of a good one that makes no series, is counted by reason, and logged at most once per reason per
 * interval with how many were not logged.
 */
export function ingester({ fleet, metrics, log, clock = systemClock, logEveryMs = 10_000 }: IngestOptions): (d: Delivery) => void {
  const lastLogged = new Map<RejectionCode | DropReason, { at: number; suppressed: number }>();
  const warn = (msg: string, code: RejectionCode | DropReason, reason: string, topic: string) => {
    const t = clock.now();
    const last = lastLogged.get(code);
    if (last && t - last.at < logEveryMs) {
      last.suppressed++;
      return;
    }
    log.warn(msg, { code, reason, topic: topic.slice(0, 256), suppressedSinceLast: last?.suppressed ?? 0 });
    lastLogged.set(code, { at: t, suppressed: 0 });
  };
  const reject = (topic: string, code: RejectionCode, reason: string) => {
    metrics.rejected(code);
    metrics.message(kindOf(topic), "rejected");
    warn("rejected a message", code, reason, topic);
  };
  return ({ topic, payload, retained }) => {
    const parsed = payload.byteLength === 0 ? parseTopic(topic) : undefined;
    if (parsed?.ok && parsed.topic.kind === "birth") {
      // An empty message is how MQTT deletes a retained one: the device was retired (docs/runbooks.md).
      const known = fleet.retire(parsed.topic);
      metrics.message("birth", "accepted");
      log.info("device retired: its retained birth was cleared", { site: parsed.topic.site, node: parsed.topic.node, known });
      return;
    }
    const result = validateMessage(topic, payload);
    if (!result.ok) {
      reject(topic, result.code, result.reason);
      return;
    }
    // TypeScript does not narrow the payload by the nested topic.kind; validateMessage pairs them.
    switch (result.topic.kind) {
      case "birth":
        fleet.birth(result.topic, result.payload as BirthPayload, retained);
        metrics.message("birth", "accepted");
        return;
      case "death":
        fleet.death(result.topic, result.payload as DeathPayload, retained);
        metrics.message("death", "accepted");
        return;
      case "telemetry": {
        const { result: applied, drops } = fleet.telemetry(result.topic, result.payload as TelemetryPayload);
        metrics.message("telemetry", applied);
        for (const drop of drops) {
          metrics.dropped(drop.reason);
          warn("dropped an entry of a telemetry message", drop.reason, drop.detail, topic);
        }
        return;
      }
    }
  };
}
