import { processMetrics } from "@edgefleet/kit";
import { ASSIGNMENT_REJECTIONS } from "@edgefleet/telemetry";
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import type { SpoolStats } from "../spool/spool.js";
import { SAMPLE_DROP_REASONS } from "./telemetry.js";

export interface AgentMetricSources {
  spool: () => SpoolStats;
  connected: () => boolean;
  inFlight: () => number;
}

/** A counter that mirrors a cumulative figure kept elsewhere (prom-client counters only go up by inc). */
function mirror(counter: Counter, read: () => number): () => void {
  let seen = 0;
  return () => {
    const value = read();
    if (value > seen) counter.inc(value - seen);
    seen = Math.max(seen, value);
  };
}

/** The agent's own health, on its own Registry: what a fleet SRE checks when a node goes quiet. */
export function agentMetrics(sources: AgentMetricSources) {
  const registry = new Registry();
  processMetrics(registry);
  const registers = [registry];
  let spool: SpoolStats | undefined;
  // One stats() per scrape, shared by the spool series.
  const stats = () => (spool ??= sources.spool());
  const dropped = new Counter({
    name: "edgefleet_agent_spool_dropped_messages_total",
    help: "Unsent telemetry messages dropped, oldest first, to keep the spool within its byte bound (since the spool was created)",
    registers,
  });
  const rejected = new Counter({
    name: "edgefleet_agent_spool_rejected_messages_total",
    help: "Telemetry messages the spool could not store (write errors, oversized), since the agent started",
    registers,
  });
  const syncDropped = mirror(dropped, () => stats().dropped.messages);
  const syncRejected = mirror(rejected, () => stats().rejected.messages);
  new Gauge({
    name: "edgefleet_agent_spool_pending_messages",
    help: "Telemetry messages in the spool not yet acknowledged by the broker",
    registers,
    collect() {
      spool = undefined;
      this.set(stats().pending);
      syncDropped();
      syncRejected();
    },
  });
  new Gauge({
    name: "edgefleet_agent_spool_bytes",
    help: "Bytes of the spool's segment files",
    registers,
    collect() {
      this.set(stats().bytes);
    },
  });
  new Gauge({
    name: "edgefleet_agent_mqtt_connected",
    help: "1 while the agent holds a connection to the broker",
    registers,
    collect() {
      this.set(sources.connected() ? 1 : 0);
    },
  });
  new Gauge({
    name: "edgefleet_agent_mqtt_in_flight_messages",
    help: "QoS 1 publishes awaiting PUBACK",
    registers,
    collect() {
      this.set(sources.inFlight());
    },
  });
  const droppedSamples = new Counter({
    name: "edgefleet_agent_dropped_samples_total",
    help: "Sensor samples left out of telemetry, by reason (non-finite value, invalid for the schema such as an empty or over-long label, over-limit: past the payload limits)",
    labelNames: ["reason"] as const,
    registers,
  });
  for (const reason of SAMPLE_DROP_REASONS) droppedSamples.inc({ reason }, 0);
  const assignmentsRejected = new Counter({
    name: "edgefleet_agent_assignments_rejected_total",
    help: "Messages on this node's assignments topic refused, the previous targets kept, by reason (oversized, malformed-json, invalid-payload)",
    labelNames: ["reason"] as const,
    registers,
  });
  for (const reason of ASSIGNMENT_REJECTIONS) assignmentsRejected.inc({ reason }, 0);
  return {
    registry,
    assignmentsRejected,
    publishes: new Counter({
      name: "edgefleet_agent_mqtt_publishes_total",
      help: "Spooled telemetry publishes answered by the broker, by result (delivered, refused: PUBACK with an error code)",
      labelNames: ["result"] as const,
      registers,
    }),
    connectAttempts: new Counter({
      name: "edgefleet_agent_mqtt_connect_attempts_total",
      help: "Connection attempts to the broker, the first one included",
      registers,
    }),
    reconnects: new Counter({
      name: "edgefleet_agent_mqtt_reconnects_total",
      help: "Connection attempts after a lost connection or a failed attempt",
      registers,
    }),
    births: new Counter({
      name: "edgefleet_agent_births_total",
      help: "Birth messages the broker acknowledged, by reason (connect, rebirth)",
      labelNames: ["reason"] as const,
      registers,
    }),
    messages: new Counter({
      name: "edgefleet_agent_telemetry_messages_total",
      help: "Telemetry messages built, by result (spooled, spool-rejected, invalid)",
      labelNames: ["result"] as const,
      registers,
    }),
    droppedSamples,
    readErrors: new Counter({
      name: "edgefleet_agent_sensor_read_errors_total",
      help: "Sensor read failures, by sensor type",
      labelNames: ["sensor"] as const,
      registers,
    }),
    loopDuration: new Histogram({
      name: "edgefleet_agent_loop_duration_seconds",
      help: "Time to read all sensors and spool one telemetry message",
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    }),
    evaluationFailures: new Counter({
      name: "edgefleet_agent_evaluation_failures_total",
      help: "Evaluation data missing from the node's artifact cache, or whose file did not match its sha256 or was not readable evaluation data; the runtime is probed with synthetic inputs meanwhile",
      registers,
    }),
    loopOverruns: new Counter({
      name: "edgefleet_agent_loop_overruns_total",
      help: "Intervals skipped because the previous read was still running",
      registers,
    }),
  };
}

export type AgentMetrics = ReturnType<typeof agentMetrics>;
