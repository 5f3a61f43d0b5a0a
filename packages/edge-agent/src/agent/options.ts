import { ACCELERATORS, type Accelerator, ARCHITECTURES, type Architecture } from "@edgefleet/api";
import { command, type Level, LOG_LEVEL_FLAG, type Parsed } from "@edgefleet/kit";
import { DEFAULT_EVALUATION_MAX_BYTES } from "../inference/evaluation.js";
import { nodeTopics } from "../mqtt/topics.js";
import { SENSOR_TYPES, type SensorType } from "../sensors/factory.js";

/** Eight segments of at least 2 KiB: smaller spools could not hold even one message per segment. */
const MIN_SPOOL_BYTES = 16_384;

const CLI = command({
  usage: "node --import tsx packages/edge-agent/src/agent/main.ts --site SITE --node NODE --hardware-class CLASS [options]",
  about: `The edgefleet edge agent: reads the node's sensors and inference statistics every interval,
stores each telemetry message in a durable on-disk spool first, and publishes the spool in order
over MQTT 5 (QoS 1) to the site's broker. See docs/agent.md.`,
  flags: {
    site: { type: "string", arg: "NAME", required: true, section: "Identity", help: "site name, a lowercase DNS name" },
    node: { type: "string", arg: "NAME", required: true, help: "node name, a lowercase DNS name" },
    "hardware-class": {
      type: "string",
      arg: "NAME",
      required: true,
      check: { must: "be a Kubernetes label value of at most 63 characters", test: /^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/ },
      help: "the node's edgefleet.io/hardware-class",
    },
    arch: { type: "enum", of: ARCHITECTURES, arg: "ARCH", defaultText: "detected from the CPU", help: "the node's CPU architecture" },
    accelerators: { type: "list", of: ACCELERATORS, defaultText: "detected from device files", help: "the node's accelerators" },
    "broker-url": {
      type: "url",
      schemes: ["mqtt", "mqtts"],
      example: "mqtts://HOST:PORT",
      default: "mqtt://127.0.0.1:1883",
      section: "MQTT",
      help: "the site's broker",
    },
    "tls-ca": { type: "string", arg: "FILE", help: "CA certificate (PEM) the broker's certificate must chain to" },
    "tls-cert": { type: "string", arg: "FILE", help: "client certificate (PEM); needs --tls-key" },
    "tls-key": { type: "string", arg: "FILE", help: "client private key (PEM); needs --tls-cert" },
    // MQTT carries keepalive in 16 bits.
    keepalive: { type: "seconds", max: 65_535, default: "30", help: "MQTT keepalive; the broker declares the node dead after 1.5x" },
    "reconnect-min-delay": { type: "duration", default: "500ms", help: "first reconnect window; doubles per failure, full jitter" },
    "reconnect-max-delay": { type: "duration", default: "30s", help: "largest reconnect window" },
    "max-in-flight": { type: "integer", max: 65_535, default: "32", help: "QoS 1 publishes awaiting PUBACK at once" },
    "spool-dir": {
      type: "string",
      arg: "DIR",
      nonEmpty: true,
      default: "/var/lib/edgefleet/spool",
      section: "Spool",
      help: "durable store-and-forward spool",
    },
    "spool-max-bytes": {
      type: "integer",
      arg: "BYTES",
      min: MIN_SPOOL_BYTES,
      default: String(64 * 1024 * 1024),
      help: "spool bound; the oldest messages are dropped, counted, beyond it",
    },
    interval: { type: "duration", default: "1s", section: "Telemetry", help: "read and publish interval" },
    sensors: { type: "list", of: SENSOR_TYPES, default: "thermal,hwmon,rapl,cpu,memory", help: "the sensors to read" },
    "sysfs-root": {
      type: "string",
      arg: "DIR",
      default: "/",
      help: "root holding sys/ and proc/ for file sensors, dev/ and sys/ for accelerator detection",
    },
    "simulated-seed": { type: "integer", min: Number.NEGATIVE_INFINITY, default: "1", help: "seed of the simulated sensor" },
    "inference-targets": {
      type: "string",
      arg: "FILE",
      help: "JSON array of the model versions served here ({baseUrl, namespace, model, version, variant, runtime, runtimeMetrics?}), probed over OIP v2",
    },
    "runtime-assignments": {
      type: "switch",
      help: "probe the runtimes the operator assigns to this node instead, read from the node's retained assignments topic on the broker (docs/agent.md)",
    },
    "probe-interval": { type: "duration", default: "5s", help: "how often each inference target is probed" },
    "evaluation-samples": {
      type: "integer",
      arg: "N",
      min: 0,
      default: "4",
      help: "labelled samples sent to each runtime whose variant names evaluation data, per probe, instead of the synthetic input, and scored (evaluations in telemetry); 0 scores none",
    },
    "evaluation-max-bytes": {
      type: "integer",
      arg: "BYTES",
      default: String(DEFAULT_EVALUATION_MAX_BYTES),
      help: "largest evaluation data file read from the artifact cache (and each array in it once inflated); a larger one is refused and the runtime probed synthetically",
    },
    "artifact-cache-dir": {
      type: "string",
      arg: "DIR",
      nonEmpty: true,
      defaultText: "none",
      help: "the node's artifact cache: refusals its verify-artifact init containers leave there are counted in telemetry, and the evaluation data they store there is what runtimes are scored on (without it nothing is scored)",
    },
    "drain-timeout": { type: "duration", default: "5s", help: "on SIGTERM, how long to keep sending the spool before exiting" },
    "http-address": {
      type: "address",
      default: "0.0.0.0:8080",
      section: "Service",
      help: "/metrics, /healthz and /readyz; port 0 picks one",
    },
    "log-level": LOG_LEVEL_FLAG,
  },
});

export const HELP = CLI.help;

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
  runtimeAssignments: boolean;
  /** Optional so the fleet simulator, which builds options itself, needs no cache. */
  artifactCacheDir?: string;
  probeIntervalMs: number;
  /** Labelled samples per probe of a runtime with evaluation data; 0 scores none. */
  evaluationSamples: number;
  evaluationMaxBytes: number;
  drainTimeoutMs: number;
  httpAddress: string;
  logLevel: Level;
}

export function parseOptions(argv: string[]): Parsed<AgentOptions> {
  return CLI.parse(argv, (v) => {
    try {
      nodeTopics(v.site, v.node);
    } catch (err) {
      throw new Error(`--site and --node must be lowercase DNS names: ${(err as Error).message}`);
    }
    if ((v["tls-cert"] === undefined) !== (v["tls-key"] === undefined))
      throw new Error("--tls-cert and --tls-key go together: give both or neither");
    if (v["reconnect-max-delay"] < v["reconnect-min-delay"])
      throw new Error("--reconnect-max-delay must be at least --reconnect-min-delay");
    if (v["runtime-assignments"] && v["inference-targets"] !== undefined)
      throw new Error("--runtime-assignments and --inference-targets both say what to probe: give one of them");
    return {
      site: v.site,
      node: v.node,
      hardwareClass: v["hardware-class"],
      arch: v.arch,
      accelerators: v.accelerators,
      brokerUrl: v["broker-url"],
      tls: {
        ...(v["tls-ca"] !== undefined ? { ca: v["tls-ca"] } : {}),
        ...(v["tls-cert"] !== undefined ? { cert: v["tls-cert"] } : {}),
        ...(v["tls-key"] !== undefined ? { key: v["tls-key"] } : {}),
      },
      keepaliveSeconds: v.keepalive,
      reconnectMinDelayMs: v["reconnect-min-delay"],
      reconnectMaxDelayMs: v["reconnect-max-delay"],
      maxInFlight: v["max-in-flight"],
      spoolDir: v["spool-dir"],
      spoolMaxBytes: v["spool-max-bytes"],
      intervalMs: v.interval,
      sensors: v.sensors,
      sysfsRoot: v["sysfs-root"],
      simulatedSeed: v["simulated-seed"],
      inferenceTargets: v["inference-targets"],
      runtimeAssignments: v["runtime-assignments"],
      ...(v["artifact-cache-dir"] === undefined ? {} : { artifactCacheDir: v["artifact-cache-dir"] }),
      probeIntervalMs: v["probe-interval"],
      evaluationSamples: v["evaluation-samples"],
      evaluationMaxBytes: v["evaluation-max-bytes"],
      drainTimeoutMs: v["drain-timeout"],
      httpAddress: v["http-address"],
      logLevel: v["log-level"],
    };
  });
}
