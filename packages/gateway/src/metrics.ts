import type { RejectionCode } from "@edgefleet/telemetry";
import { Counter, Gauge, type Registry } from "prom-client";
import { DROP_REASONS, type DropReason, type Fleet } from "./fleet.js";

export const REJECTION_CODES: readonly RejectionCode[] = [
  "wrong-topic",
  "oversized",
  "malformed-json",
  "wrong-schema-version",
  "invalid-payload",
];
/** A message's kind from its topic; "unknown" when the topic names none. */
export const KINDS = ["birth", "telemetry", "death", "unknown"] as const;
export type Kind = (typeof KINDS)[number];
export const RESULTS = ["accepted", "rejected", "duplicate"] as const;
export type Result = (typeof RESULTS)[number];

export interface GatewayMetrics {
  message(kind: Kind, result: Result): void;
  rejected(code: RejectionCode): void;
  /** A sample or an inference or artifact entry of an accepted message that made no series. */
  dropped(reason: DropReason): void;
  connected(up: boolean): void;
  /** A device taken offline because it was silent for the device timeout. */
  deviceTimedOut(): void;
}

/** The gateway's own families (the devices' are rendered by the Fleet); every label combination starts at 0. */
export function gatewayMetrics(registry: Registry, fleet: Fleet): GatewayMetrics {
  const messages = new Counter({
    name: "edgefleet_gateway_messages_total",
    help: "MQTT messages received, by kind (from the topic) and result",
    labelNames: ["kind", "result"],
    registers: [registry],
  });
  const rejections = new Counter({
    name: "edgefleet_gateway_rejected_messages_total",
    help: "Messages rejected by the telemetry validator, by its reason code",
    labelNames: ["reason"],
    registers: [registry],
  });
  const drops = new Counter({
    name: "edgefleet_gateway_dropped_entries_total",
    help: "Samples, inference and artifact entries of accepted messages that made no series, by reason",
    labelNames: ["reason"],
    registers: [registry],
  });
  const connected = new Gauge({
    name: "edgefleet_gateway_mqtt_connected",
    help: "1 while the gateway is connected to the broker",
    registers: [registry],
  });
  const timeouts = new Counter({
    name: "edgefleet_gateway_device_timeouts_total",
    help: "Devices taken offline because this gateway heard nothing from them for --device-timeout (not by a death or last will)",
    registers: [registry],
  });
  new Gauge({
    name: "edgefleet_gateway_devices",
    help: "Devices this gateway knows, by state (online after a live birth, offline after a death or the device timeout)",
    labelNames: ["state"],
    registers: [registry],
    collect() {
      for (const [state, n] of Object.entries(fleet.deviceStates())) this.set({ state }, n);
    },
  });
  new Gauge({
    name: "edgefleet_gateway_series",
    help: "Device and inference series lines this gateway exports",
    registers: [registry],
    collect() {
      this.set(fleet.seriesLines);
    },
  });
  for (const kind of KINDS) for (const result of RESULTS) messages.inc({ kind, result }, 0);
  for (const reason of REJECTION_CODES) rejections.inc({ reason }, 0);
  for (const reason of DROP_REASONS) drops.inc({ reason }, 0);
  connected.set(0);
  timeouts.inc(0);
  return {
    message: (kind, result) => messages.inc({ kind, result }),
    rejected: (reason) => rejections.inc({ reason }),
    dropped: (reason) => drops.inc({ reason }),
    connected: (up) => connected.set(up ? 1 : 0),
    deviceTimedOut: () => timeouts.inc(),
  };
}
