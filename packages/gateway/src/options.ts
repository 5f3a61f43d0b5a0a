import { hostname } from "node:os";
import { command, type Level, LOG_LEVEL_FLAG, MAX_EVENT_LOOP_LAG_FLAG, type Parsed } from "@edgefleet/kit";
import { BROKER_FLAGS, type TlsFiles, tlsFiles } from "./broker-flags.js";
import { DEFAULT_LIMITS } from "./fleet.js";

export const DEFAULT_SHARED_GROUP = "edgefleet-gateways";
/** 1.5 x the agents' default 30 s keepalive. */
export const DEFAULT_DEVICE_TIMEOUT_SECONDS = 45;

const CLI = command({
  usage: "node --import tsx packages/gateway/src/main.ts --broker-url URL [options]",
  about: `The edgefleet telemetry gateway: subscribes to the edge agents' MQTT telemetry, validates every
message and serves the fleet's devices and inference latency as Prometheus metrics.`,
  flags: {
    ...BROKER_FLAGS,
    "client-id": {
      type: "string",
      arg: "ID",
      default: hostname(),
      defaultText: "the hostname",
      check: { must: "be 1 to 65535 bytes", test: (id) => id.length > 0 && Buffer.byteLength(id) <= 65_535 },
      help: "MQTT client id; keep it stable across restarts so the broker's session (and the messages queued in it) is resumed",
    },
    "shared-group": {
      type: "string",
      arg: "NAME",
      default: DEFAULT_SHARED_GROUP,
      // MQTT share names exclude the topic separators and wildcards (MQTT 5, 4.8.2).
      check: { must: 'not contain "/", "+" or "#"', test: /^[^/+#]*$/ },
      help: 'MQTT 5 shared subscription group: gateways in one group split the telemetry; "" subscribes unshared, and only then are sequence gaps counted from the seq numbers themselves',
    },
    "session-expiry": {
      type: "seconds",
      max: 2 ** 32 - 2,
      default: "300",
      help: "how long the broker keeps the session of a disconnected gateway",
    },
    // MQTT carries keepalive in 16 bits.
    keepalive: { type: "seconds", max: 65_535, default: "30", help: "MQTT keepalive" },
    "device-timeout": {
      type: "duration",
      arg: "DURATION",
      min: 100,
      // setTimeout's longest delay.
      max: 2 ** 31 - 1,
      bareSeconds: true,
      zeroIsOff: true,
      defaultText: `${DEFAULT_DEVICE_TIMEOUT_SECONDS}s unshared, 0 shared`,
      help: "a device this gateway hears nothing from for this long is offline, as if its last will had come (the broker sends a frozen client's will late). Make it 1.5 x the agents' keepalive and longer than their telemetry interval. It needs every message of a device: with a shared subscription only when the group has this one gateway",
    },
    "max-series-per-node": {
      type: "integer",
      default: String(DEFAULT_LIMITS.maxSeriesPerNode),
      help: "series lines (a latency histogram is 15) one node may have; a sample or entry that would pass it is dropped and counted (edgefleet_gateway_dropped_entries_total)",
    },
    "max-label-values-per-node": {
      type: "integer",
      default: String(DEFAULT_LIMITS.maxLabelValuesPerNode),
      help: "distinct values of one label name across one node's series; a sample or entry with one more is dropped and counted",
    },
    "inference-stale-after": {
      type: "duration",
      arg: "DURATION",
      default: `${DEFAULT_LIMITS.inferenceStaleMs / 60_000}m`,
      help: "a model version missing from a node's inference stats for this long (agents report every version they serve each interval) loses its inference series",
    },
    "http-address": { type: "address", default: "0.0.0.0:8080", help: "/metrics, /healthz and /readyz; port 0 picks one" },
    "log-level": LOG_LEVEL_FLAG,
    "max-event-loop-lag": MAX_EVENT_LOOP_LAG_FLAG,
  },
});

export const HELP = CLI.help;

export interface GatewayOptions {
  brokerUrl: string;
  tls: TlsFiles;
  clientId: string;
  /** undefined: an unshared subscription (one gateway sees every message). */
  sharedGroup: string | undefined;
  sessionExpirySeconds: number;
  keepaliveSeconds: number;
  /** undefined: no timeout of its own (deaths and last wills only). */
  deviceTimeoutMs: number | undefined;
  maxSeriesPerNode: number;
  maxLabelValuesPerNode: number;
  inferenceStaleMs: number;
  httpAddress: string;
  logLevel: Level;
  maxEventLoopLagMs: number;
}

export function parseGatewayOptions(argv: string[]): Parsed<GatewayOptions> {
  return CLI.parse(argv, (v) => {
    const tls = tlsFiles(v);
    const sharedGroup = v["shared-group"] === "" ? undefined : v["shared-group"];
    // A gateway in a shared group may see none of a live device's telemetry (Mosquitto deals the
    // group's messages round-robin over every node's), so its own silence check is opt-in there.
    const timeoutMs = v["device-timeout"] ?? (sharedGroup === undefined ? DEFAULT_DEVICE_TIMEOUT_SECONDS * 1000 : 0);
    return {
      brokerUrl: v["broker-url"],
      tls,
      clientId: v["client-id"],
      sharedGroup,
      sessionExpirySeconds: v["session-expiry"],
      keepaliveSeconds: v.keepalive,
      deviceTimeoutMs: timeoutMs === 0 ? undefined : timeoutMs,
      maxSeriesPerNode: v["max-series-per-node"],
      maxLabelValuesPerNode: v["max-label-values-per-node"],
      inferenceStaleMs: v["inference-stale-after"],
      httpAddress: v["http-address"],
      logLevel: v["log-level"],
      maxEventLoopLagMs: v["max-event-loop-lag"],
    };
  });
}
