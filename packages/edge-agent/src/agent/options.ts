import { parseArgs } from "node:util";
import { ACCELERATORS, type Accelerator, ARCHITECTURES, type Architecture } from "@edgefleet/api";
import { LEVELS, type Level } from "@edgefleet/kit";
import { nodeTopics } from "../mqtt/topics.js";
import { SENSOR_TYPES, type SensorType } from "../sensors/factory.js";

export const HELP = `Usage: node --import tsx packages/edge-agent/src/agent/main.ts --site SITE --node NODE --hardware-class CLASS [options]

The edgefleet edge agent: reads the node's sensors and inference statistics every interval,
stores each telemetry message in a durable on-disk spool first, and publishes the spool in order
over MQTT 5 (QoS 1) to the site's broker. See docs/agent.md.

Identity:
  --site NAME                 site name, a lowercase DNS name (required)
  --node NAME                 node name, a lowercase DNS name (required)
  --hardware-class NAME       the node's edgefleet.io/hardware-class (required)
  --arch ARCH                 ${ARCHITECTURES.join(", ")} (default: detected from the CPU)
  --accelerators LIST         comma list of ${ACCELERATORS.join(", ")} (default: detected from device files)
MQTT:
  --broker-url URL            mqtt://HOST:PORT or mqtts://HOST:PORT (default: mqtt://127.0.0.1:1883)
  --tls-ca FILE               CA certificate (PEM) the broker's certificate must chain to
  --tls-cert FILE             client certificate (PEM); needs --tls-key
  --tls-key FILE              client private key (PEM); needs --tls-cert
  --keepalive SECONDS         MQTT keepalive; the broker declares the node dead after 1.5x (default: 30)
  --reconnect-min-delay DUR   first reconnect window; doubles per failure, full jitter (default: 500ms)
  --reconnect-max-delay DUR   largest reconnect window (default: 30s)
  --max-in-flight N           QoS 1 publishes awaiting PUBACK at once (default: 32)
Spool:
  --spool-dir DIR             durable store-and-forward spool (default: /var/lib/edgefleet/spool)
  --spool-max-bytes BYTES     spool bound; the oldest messages are dropped, counted, beyond it (default: 67108864)
Telemetry:
  --interval DUR              read and publish interval (default: 1s)
  --sensors LIST              comma list of ${SENSOR_TYPES.join(", ")} (default: thermal,hwmon,rapl,cpu,memory)
  --sysfs-root DIR            root holding sys/ and proc/ for file sensors, dev/ and sys/ for
                              accelerator detection (default: /)
  --simulated-seed N          seed of the simulated sensor (default: 1)
  --inference-targets FILE    JSON array of the model versions served here ({baseUrl, namespace, model,
                              version, variant, runtime, runtimeMetrics?}), probed over OIP v2
  --discover-runtimes         probe the edgefleet runtime pods bound to this node instead, found through
                              the Kubernetes API (in-cluster service account, or --kubeconfig) every 15s
  --kubeconfig FILE           the cluster for --discover-runtimes (default: the pod's service account)
  --probe-interval DUR        how often each inference target is probed (default: 5s)
  --artifact-cache-dir DIR    the node's artifact cache: refusals its verify-artifact init containers leave
                              there are counted in telemetry (default: none)
  --drain-timeout DUR         on SIGTERM, how long to keep sending the spool before exiting (default: 5s)
Service:
  --http-address HOST:PORT    /metrics, /healthz and /readyz (default: 0.0.0.0:8080; port 0 picks one)
  --log-level LEVEL           ${LEVELS.join(", ")} (default: info); logs are JSON lines on stdout
  -h, --help                  this help

Durations are a number with ms, s or m (e.g. 500ms, 1s, 2m).`;

export interface AgentOptions {
  site: string;
  node: string;
  hardwareClass: string;
  arch: Architecture | undefined;
  accelerators: Accelerator[] | undefined;
  brokerUrl: string;
  tls: { ca?: string; cert?: string; key?: string };
  keepaliveSeconds: number;
  reconnectMinDelayMs: number;
  reconnectMaxDelayMs: number;
  maxInFlight: number;
  spoolDir: string;
  spoolMaxBytes: number;
  intervalMs: number;
  sensors: SensorType[];
  sysfsRoot: string;
  simulatedSeed: number;
  inferenceTargets: string | undefined;
  discoverRuntimes: boolean;
  kubeconfig: string | undefined;
  /** Optional so the fleet simulator, which builds options itself, needs no cache. */
  artifactCacheDir?: string;
  probeIntervalMs: number;
  drainTimeoutMs: number;
  httpAddress: string;
  logLevel: Level;
}

/** --help short-circuits every other flag, required ones included. */
export type ParsedArgs = { help: true } | { help: false; options: AgentOptions };

const MIN_SPOOL_BYTES = 16_384;
const UNITS_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000 };

export function parseDuration(flag: string, value: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m)$/.exec(value);
  const ms = match ? Number(match[1]) * (UNITS_MS[match[2] ?? ""] ?? Number.NaN) : Number.NaN;
  if (!(ms >= 1) || !Number.isFinite(ms))
    throw new Error(`--${flag} must be a duration of at least 1ms such as 500ms, 1s or 2m, got "${value}"`);
  return Math.round(ms);
}

function positiveInteger(flag: string, value: string, max = Number.MAX_SAFE_INTEGER): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n <= 0 || n > max)
    throw new Error(`--${flag} must be a positive integer of at most ${max}, got "${value}"`);
  return n;
}

function list<T extends string>(flag: string, value: string, known: readonly T[]): T[] {
  const items = value.split(",").map((s) => s.trim());
  const unknown = items.filter((i) => !(known as readonly string[]).includes(i));
  if (items.length === 0 || unknown.length > 0)
    throw new Error(`--${flag} has unknown entries ${JSON.stringify(unknown)} (known: ${known.join(", ")})`);
  return [...new Set(items as T[])];
}

function required(flag: string, value: string | undefined): string {
  if (value === undefined || value === "") throw new Error(`--${flag} is required`);
  return value;
}

function brokerUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error(`--broker-url must be mqtt://HOST:PORT or mqtts://HOST:PORT, got "${value}"`);
  }
  if (url.protocol !== "mqtt:" && url.protocol !== "mqtts:")
    throw new Error(`--broker-url must use mqtt:// or mqtts://, got "${url.protocol}//"`);
  return value;
}

export function parseOptions(argv: string[]): ParsedArgs {
  const { values: v } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      site: { type: "string" },
      node: { type: "string" },
      "hardware-class": { type: "string" },
      arch: { type: "string" },
      accelerators: { type: "string" },
      "broker-url": { type: "string", default: "mqtt://127.0.0.1:1883" },
      "tls-ca": { type: "string" },
      "tls-cert": { type: "string" },
      "tls-key": { type: "string" },
      keepalive: { type: "string", default: "30" },
      "reconnect-min-delay": { type: "string", default: "500ms" },
      "reconnect-max-delay": { type: "string", default: "30s" },
      "max-in-flight": { type: "string", default: "32" },
      "spool-dir": { type: "string", default: "/var/lib/edgefleet/spool" },
      "spool-max-bytes": { type: "string", default: String(64 * 1024 * 1024) },
      interval: { type: "string", default: "1s" },
      sensors: { type: "string", default: "thermal,hwmon,rapl,cpu,memory" },
      "sysfs-root": { type: "string", default: "/" },
      "simulated-seed": { type: "string", default: "1" },
      "inference-targets": { type: "string" },
      "discover-runtimes": { type: "boolean", default: false },
      kubeconfig: { type: "string" },
      "artifact-cache-dir": { type: "string" },
      "probe-interval": { type: "string", default: "5s" },
      "drain-timeout": { type: "string", default: "5s" },
      "http-address": { type: "string", default: "0.0.0.0:8080" },
      "log-level": { type: "string", default: "info" },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (v.help) return { help: true };
  const site = required("site", v.site);
  const node = required("node", v.node);
  try {
    nodeTopics(site, node);
  } catch (err) {
    throw new Error(`--site and --node must be lowercase DNS names: ${(err as Error).message}`);
  }
  const hardwareClass = required("hardware-class", v["hardware-class"]);
  if (!/^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/.test(hardwareClass))
    throw new Error(`--hardware-class must be a Kubernetes label value of at most 63 characters, got "${hardwareClass}"`);
  if ((v["tls-cert"] === undefined) !== (v["tls-key"] === undefined))
    throw new Error("--tls-cert and --tls-key go together: give both or neither");
  const level = v["log-level"] as Level;
  if (!LEVELS.includes(level)) throw new Error(`--log-level must be one of ${LEVELS.join(", ")}, got "${v["log-level"]}"`);
  const reconnectMinDelayMs = parseDuration("reconnect-min-delay", v["reconnect-min-delay"]);
  const reconnectMaxDelayMs = parseDuration("reconnect-max-delay", v["reconnect-max-delay"]);
  if (reconnectMaxDelayMs < reconnectMinDelayMs) throw new Error("--reconnect-max-delay must be at least --reconnect-min-delay");
  const spoolMaxBytes = positiveInteger("spool-max-bytes", v["spool-max-bytes"]);
  // Eight segments of at least 2 KiB: smaller spools could not hold even one message per segment.
  if (spoolMaxBytes < MIN_SPOOL_BYTES)
    throw new Error(`--spool-max-bytes must be at least ${MIN_SPOOL_BYTES}, got "${v["spool-max-bytes"]}"`);
  if (v["discover-runtimes"] && v["inference-targets"] !== undefined)
    throw new Error("--discover-runtimes and --inference-targets both say what to probe: give one of them");
  const seed = Number(v["simulated-seed"]);
  if (!Number.isSafeInteger(seed)) throw new Error(`--simulated-seed must be an integer, got "${v["simulated-seed"]}"`);
  if (v.arch !== undefined && !(ARCHITECTURES as readonly string[]).includes(v.arch))
    throw new Error(`--arch must be one of ${ARCHITECTURES.join(", ")}, got "${v.arch}"`);
  const options: AgentOptions = {
    site,
    node,
    hardwareClass,
    arch: v.arch as Architecture | undefined,
    accelerators: v.accelerators === undefined ? undefined : list("accelerators", v.accelerators, ACCELERATORS),
    brokerUrl: brokerUrl(v["broker-url"]),
    tls: {
      ...(v["tls-ca"] !== undefined ? { ca: v["tls-ca"] } : {}),
      ...(v["tls-cert"] !== undefined ? { cert: v["tls-cert"] } : {}),
      ...(v["tls-key"] !== undefined ? { key: v["tls-key"] } : {}),
    },
    // MQTT carries keepalive in 16 bits.
    keepaliveSeconds: positiveInteger("keepalive", v.keepalive, 65_535),
    reconnectMinDelayMs,
    reconnectMaxDelayMs,
    maxInFlight: positiveInteger("max-in-flight", v["max-in-flight"], 65_535),
    spoolDir: required("spool-dir", v["spool-dir"]),
    spoolMaxBytes,
    intervalMs: parseDuration("interval", v.interval),
    sensors: list("sensors", v.sensors, SENSOR_TYPES),
    sysfsRoot: v["sysfs-root"],
    simulatedSeed: seed,
    inferenceTargets: v["inference-targets"],
    discoverRuntimes: v["discover-runtimes"],
    kubeconfig: v.kubeconfig,
    ...(v["artifact-cache-dir"] === undefined ? {} : { artifactCacheDir: required("artifact-cache-dir", v["artifact-cache-dir"]) }),
    probeIntervalMs: parseDuration("probe-interval", v["probe-interval"]),
    drainTimeoutMs: parseDuration("drain-timeout", v["drain-timeout"]),
    httpAddress: v["http-address"],
    logLevel: level,
  };
  return { help: false, options };
}
