import { hostname } from "node:os";
import { parseArgs } from "node:util";
import { LEVELS, type Level } from "@edgefleet/kit";

export const DEFAULT_SHARED_GROUP = "edgefleet-gateways";
/** 1.5 x the agents' default 30 s keepalive. */
export const DEFAULT_DEVICE_TIMEOUT_SECONDS = 45;

export const HELP = `Usage: node --import tsx packages/gateway/src/main.ts --broker-url URL [options]

The edgefleet telemetry gateway: subscribes to the edge agents' MQTT telemetry, validates every
message and serves the fleet's devices and inference latency as Prometheus metrics.

Options:
  --broker-url URL          mqtt://HOST:PORT or mqtts://HOST:PORT (required)
  --tls-ca FILE             CA that signed the broker's certificate (default: the system CAs)
  --tls-cert FILE           client certificate (CN = the gateway's MQTT identity); needs --tls-key
  --tls-key FILE            its private key; needs --tls-cert
  --client-id ID            MQTT client id; keep it stable across restarts so the broker's
                            session (and the messages queued in it) is resumed (default: the hostname)
  --shared-group NAME       MQTT 5 shared subscription group: gateways in one group split the
                            telemetry (default: ${DEFAULT_SHARED_GROUP}); "" subscribes unshared,
                            and only then are sequence gaps counted from the seq numbers themselves
  --session-expiry SECONDS  how long the broker keeps the session of a disconnected gateway (default: 300)
  --keepalive SECONDS       MQTT keepalive (default: 30)
  --device-timeout DURATION
                            a device this gateway hears nothing from for this long is offline, as
                            if its last will had come (the broker sends a frozen client's will
                            late); seconds or 500ms, 45s, 2m; 0 turns it off. Make it 1.5 x the
                            agents' keepalive and longer than their telemetry interval. It needs
                            every message of a device: with a shared subscription only when the
                            group has this one gateway (default: ${DEFAULT_DEVICE_TIMEOUT_SECONDS}s unshared, 0 shared)
  --http-address HOST:PORT  /metrics, /healthz and /readyz (default: 0.0.0.0:8080; port 0 picks one)
  --log-level LEVEL         ${LEVELS.join(", ")} (default: info); logs are JSON lines on stdout
  -h, --help                this help`;

export interface TlsFiles {
  ca: string | undefined;
  cert: string | undefined;
  key: string | undefined;
}

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
  httpAddress: string;
  logLevel: Level;
}

function seconds(flag: string, value: string, max: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > max)
    throw new Error(`--${flag} must be a whole number of seconds from 1 to ${max}, got "${value}"`);
  return n;
}

const UNITS_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };

/** Seconds, or a number with ms, s, m or h; 0 is off (undefined). */
function deviceTimeout(value: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(value);
  const ms = match ? Number(match[1]) * (UNITS_MS[match[2] ?? "s"] ?? Number.NaN) : Number.NaN;
  if (ms === 0) return undefined;
  if (!(ms >= 100 && ms <= 2 ** 31 - 1))
    throw new Error(`--device-timeout must be 0 (off) or from 100ms to 596h, in seconds or like 500ms, 45s, 2m, got "${value}"`);
  return Math.round(ms);
}

function brokerUrl(value: string | undefined): string {
  if (value === undefined) throw new Error("--broker-url is required (e.g. mqtts://edgefleet-mqtt.edgefleet-system.svc:8883)");
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error(`--broker-url must be a URL like mqtts://HOST:PORT, got "${value}"`);
  }
  if (url.protocol !== "mqtt:" && url.protocol !== "mqtts:")
    throw new Error(`--broker-url must use mqtt:// or mqtts://, got "${url.protocol}//" in "${value}"`);
  if (!url.hostname) throw new Error(`--broker-url names no host: "${value}"`);
  return value;
}

/** MQTT share names exclude the topic separators and wildcards (MQTT 5, 4.8.2). */
function sharedGroup(value: string): string | undefined {
  if (value === "") return undefined;
  if (/[/+#]/.test(value)) throw new Error(`--shared-group must not contain "/", "+" or "#", got "${value}"`);
  return value;
}

/** The options, or "help" when --help was asked for (then nothing else is checked). */
export function parseGatewayOptions(argv: string[]): GatewayOptions | "help" {
  const { values: v } = parseArgs({
    args: argv,
    strict: true,
    options: {
      "broker-url": { type: "string" },
      "tls-ca": { type: "string" },
      "tls-cert": { type: "string" },
      "tls-key": { type: "string" },
      "client-id": { type: "string", default: hostname() },
      "shared-group": { type: "string", default: DEFAULT_SHARED_GROUP },
      "session-expiry": { type: "string", default: "300" },
      keepalive: { type: "string", default: "30" },
      "device-timeout": { type: "string" },
      "http-address": { type: "string", default: "0.0.0.0:8080" },
      "log-level": { type: "string", default: "info" },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (v.help) return "help";
  const level = v["log-level"] as Level;
  if (!LEVELS.includes(level)) throw new Error(`--log-level must be one of ${LEVELS.join(", ")}, got "${v["log-level"]}"`);
  if ((v["tls-cert"] === undefined) !== (v["tls-key"] === undefined))
    throw new Error("--tls-cert and --tls-key go together: give both or neither");
  const url = brokerUrl(v["broker-url"]);
  const tls = { ca: v["tls-ca"], cert: v["tls-cert"], key: v["tls-key"] };
  if (url.startsWith("mqtt:") && Object.values(tls).some((f) => f !== undefined))
    throw new Error("--tls-ca, --tls-cert and --tls-key need an mqtts:// --broker-url");
  const clientId = v["client-id"];
  if (clientId.length === 0 || Buffer.byteLength(clientId) > 65_535)
    throw new Error(`--client-id must be 1 to 65535 bytes, got "${clientId}"`);
  if (!/^(.*):(\d+)$/.test(v["http-address"]))
    throw new Error(`--http-address must be HOST:PORT (e.g. 0.0.0.0:8080), got "${v["http-address"]}"`);
  const group = sharedGroup(v["shared-group"]);
  // A gateway in a shared group may see none of a live device's telemetry (Mosquitto deals the
  // group's messages round-robin over every node's), so its own silence check is opt-in there.
  const timeout = v["device-timeout"] ?? (group === undefined ? String(DEFAULT_DEVICE_TIMEOUT_SECONDS) : "0");
  return {
    brokerUrl: url,
    tls,
    clientId,
    sharedGroup: group,
    sessionExpirySeconds: seconds("session-expiry", v["session-expiry"], 2 ** 32 - 2),
    keepaliveSeconds: seconds("keepalive", v.keepalive, 65_535),
    deviceTimeoutMs: deviceTimeout(timeout),
    httpAddress: v["http-address"],
    logLevel: level,
  };
}
