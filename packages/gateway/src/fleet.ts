import { type Clock, systemClock } from "@edgefleet/kit";
import {
  type BirthPayload,
  type DeathPayload,
  LATENCY_BUCKETS_SECONDS,
  METRIC_UNITS,
  METRICS,
  type Metric,
  type TelemetryPayload,
} from "@edgefleet/telemetry";
import { SequenceTracker } from "./sequence.js";
import { Family, HistogramSeries, labelPairs, type Series, ValueSeries } from "./series.js";

/** The hardware class of a device whose birth this gateway has not seen yet. */
export const UNKNOWN_HARDWARE_CLASS = "unknown";

/** The labels every device series starts with; a sample's own label of the same name becomes exported_<name>. */
const DEVICE_LABELS: ReadonlySet<string> = new Set(["site", "node", "hardware_class"]);

/** Why a sample (or an inference or artifact entry) made no series; a closed list, the counter's reason label. */
export const DROP_REASONS = ["invalid-label-name", "duplicate-label-name", "series-limit", "label-values-limit"] as const;
export type DropReason = (typeof DROP_REASONS)[number];

/** One entry of a message that made no series, and why. */
export interface Drop {
  readonly reason: DropReason;
  /** What was dropped and the offending label, for the log. */
  readonly detail: string;
}

/** Prometheus label names; names starting with __ are reserved for Prometheus itself. */
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

export type DeviceState = "online" | "offline";

/** Defaults of the per-node caps (the gateway's flags): generous for real hardware, small enough that no node can fill the gateway's memory. */
export const DEFAULT_LIMITS = {
  /** Exposition lines of one node's series (a histogram is 15): about a full message of samples plus 64 model versions. */
  maxSeriesPerNode: 2_500,
  /** Distinct values of one label name across one node's series (e.g. 256 CPUs, zones or model versions). */
  maxLabelValuesPerNode: 256,
  /** A model version not in a node's inference stats for this long has its inference series removed. */
  inferenceStaleMs: 10 * 60_000,
} as const;

export interface FleetOptions {
  /**
   * Count numbers skipped in a node's seq as gaps: only right when this gateway sees every message
   * (an unshared subscription). With a shared subscription the gaps are the agent's reported drops.
   */
  readonly countSkippedAsGaps: boolean;
  /** Wall clock for last-seen timestamps; monotonic time for silence (a wall clock step must not time out the fleet). */
  readonly clock?: Clock;
  /** DEFAULT_LIMITS where left out. */
  readonly maxSeriesPerNode?: number;
  readonly maxLabelValuesPerNode?: number;
  readonly inferenceStaleMs?: number;
}

type Pair = readonly [string, string];

/** A series' own labels, and their exposition text built once per message entry. */
interface OwnLabels {
  readonly pairs: readonly Pair[];
  readonly own: string;
}

const ownLabels = (pairs: readonly Pair[]): OwnLabels => ({ pairs, own: labelPairs(pairs) });
const NO_LABELS = ownLabels([]);

interface Owned {
  readonly family: Family;
  readonly key: string;
  readonly series: Series;
  /** Its own labels, counted in the device's label values while it exists. */
  readonly pairs: readonly Pair[];
}

export interface TelemetryResult {
  readonly result: "accepted" | "duplicate";
  /** Entries of the message that made no series, each counted and logged by the caller. */
  readonly drops: readonly Drop[];
}

export interface NodeRef {
  readonly site: string;
  readonly node: string;
}

/** The families this gateway exports per device, in exposition order. */
function deviceFamilies() {
  const f = (name: string, help: string, type: "gauge" | "counter" | "histogram" = "gauge") => new Family(name, help, type);
  const samples = new Map<Metric, Family>(
    METRICS.map((m) => {
      const counter = m === "rapl_energy_joules";
      return [
        m,
        f(
          `edgefleet_device_${m}${counter ? "_total" : ""}`,
          `The agent's ${m} sensor metric (${METRIC_UNITS[m]})${counter ? ", cumulative as the device counts it" : ""}`,
          counter ? "counter" : "gauge",
        ),
      ];
    }),
  );
  return {
    up: f("edgefleet_device_up", "1 after the device's birth, 0 after its death or last will"),
    lastSeen: f("edgefleet_device_last_seen_timestamp_seconds", "When this gateway last received a message from the device"),
    info: f("edgefleet_device_info", "The device's architecture and agent version, from its birth"),
    samples,
    readErrors: f("edgefleet_device_sensor_read_errors_total", "Sensor reads that failed on the device", "counter"),
    spoolPending: f("edgefleet_device_spool_pending_messages", "Messages waiting in the agent's store-and-forward spool"),
    spoolBytes: f("edgefleet_device_spool_bytes", "Bytes held by the agent's store-and-forward spool"),
    spoolDropped: f(
      "edgefleet_device_spool_dropped_messages_total",
      "Messages the agent's spool dropped to stay within its byte bound (cumulative since the spool was created)",
      "counter",
    ),
    latency: f("edgefleet_inference_latency_seconds", "Latency of successful inference requests, as measured on the device", "histogram"),
    requests: f("edgefleet_inference_requests_total", "Inference requests served on the device", "counter"),
    errors: f("edgefleet_inference_errors_total", "Inference requests that failed on the device", "counter"),
    evaluations: f(
      "edgefleet_inference_evaluations_total",
      "Inference requests whose right answer the device knew (its labelled evaluation samples)",
      "counter",
    ),
    evaluationsCorrect: f("edgefleet_inference_evaluations_correct_total", "Evaluation requests the device answered right", "counter"),
    artifactFailures: f(
      "edgefleet_artifact_verification_failures_total",
      "Model artifacts the agent refused, by model version and reason",
      "counter",
    ),
    gaps: f(
      "edgefleet_gateway_sequence_gaps_total",
      "Telemetry messages missing from a node's seq (with a shared subscription: the drops its agent reports)",
      "counter",
    ),
  };
}

class Device {
  hardwareClass = UNKNOWN_HARDWARE_CLASS;
  state: DeviceState | undefined;
  labels: string;
  /** Every series of this device except its gap counter, by family name and own labels. */
  readonly owned = new Map<string, Owned>();
  /** Exposition lines of the owned series, held against the series cap. */
  lines = 0;
  /** For each own label name, how many owned series carry each value: held against the label value cap. */
  readonly values = new Map<string, Map<string, number>>();
  /** Monotonic ms each model version (by its inference series' own labels) was last in the device's telemetry. */
  readonly served = new Map<string, number>();
  readonly seq = new SequenceTracker();
  gaps: ValueSeries | undefined;
  infoLabels = "";
  /** ms of the last message that proves the device is alive now (a live birth, new telemetry). */
  heardAt: number | undefined;
  /** Offline because it went silent, not by a death: its next message brings it back, as it may send no birth. */
  timedOut = false;

  constructor(
    readonly site: string,
    readonly node: string,
    readonly key: string,
  ) {
    this.labels = this.deviceLabels();
  }

  deviceLabels(): string {
    return labelPairs([
      ["site", this.site],
      ["node", this.node],
      ["hardware_class", this.hardwareClass],
    ]);
  }
}

/**
 * The own labels of a sample, sorted by name so one label set is always one series, or why it can
 * have none: two equal label names in one series (`site` renamed next to a sample's own
 * `exported_site`) make the whole exposition unparseable, so such a sample is refused, not rendered.
 */
export function sampleLabels(metric: string, labels: Record<string, string>): { pairs: Pair[] } | Drop {
  const seen = new Set(DEVICE_LABELS);
  const pairs: [string, string][] = [];
  for (const name of Object.keys(labels).sort()) {
    if (!LABEL_NAME.test(name) || name.startsWith("__"))
      return {
        reason: "invalid-label-name",
        detail: `${metric}: label ${JSON.stringify(name.slice(0, 64))} is not a Prometheus label name`,
      };
    const exported = DEVICE_LABELS.has(name) ? `exported_${name}` : name;
    if (seen.has(exported))
      return { reason: "duplicate-label-name", detail: `${metric}: label ${name} would be a second ${exported} in one series` };
    seen.add(exported);
    pairs.push([exported, labels[name] ?? ""]);
  }
  return { pairs };
}

/**
 * Every device this gateway knows and its series: births set the hardware class and up, telemetry
 * feeds the sensor, spool and inference series, deaths remove all but edgefleet_device_up (kept at
 * 0 so offline alerts work) and the gap counter.
 */
export class Fleet {
  readonly families = deviceFamilies();
  private readonly devices = new Map<string, Device>();
  private readonly states = { online: 0, offline: 0 };
  private readonly clock: Clock;
  private readonly limits: Readonly<Record<keyof typeof DEFAULT_LIMITS, number>>;

  constructor(private readonly options: FleetOptions) {
    this.clock = options.clock ?? systemClock;
    this.limits = {
      maxSeriesPerNode: options.maxSeriesPerNode ?? DEFAULT_LIMITS.maxSeriesPerNode,
      maxLabelValuesPerNode: options.maxLabelValuesPerNode ?? DEFAULT_LIMITS.maxLabelValuesPerNode,
      inferenceStaleMs: options.inferenceStaleMs ?? DEFAULT_LIMITS.inferenceStaleMs,
    };
  }

  /** In exposition order. */
  *allFamilies(): Iterable<Family> {
    const { samples, ...rest } = this.families;
    const { up, lastSeen, info, ...others } = rest;
    yield up;
    yield lastSeen;
    yield info;
    yield* samples.values();
    yield* Object.values(others);
  }

  /** Exposition lines held by the device families. */
  get seriesLines(): number {
    let n = 0;
    for (const f of this.allFamilies()) n += f.lines;
    return n;
  }

  deviceStates(): Readonly<Record<DeviceState, number>> {
    return this.states;
  }

  /**
   * A birth. A live one (a connection, or an answer to the rebirth request) makes the device
   * online; a retained one, delivered when this gateway subscribes, proves only that the device
   * existed: it names the hardware class and leaves the device offline until it answers.
   */
  birth(at: NodeRef, payload: BirthPayload, retained: boolean): void {
    const device = this.device(at);
    const { hardwareClass, arch } = payload.hardware;
    if (hardwareClass !== device.hardwareClass) {
      device.hardwareClass = hardwareClass;
      device.labels = device.deviceLabels();
      for (const { series } of device.owned.values()) series.relabel(device.labels);
    }
    const info = ownLabels([
      ["arch", arch],
      ["agent_version", payload.agentVersion],
    ]);
    if (info.own !== device.infoLabels) {
      this.remove(device, this.families.info, device.infoLabels);
      device.infoLabels = info.own;
    }
    this.value(device, this.families.info, info, () => 1);
    this.setState(device, retained && device.state !== "online" ? "offline" : "online");
    this.seen(device);
    if (!retained) this.heard(device);
  }

  /** Telemetry: counters add the message's deltas unless it is a duplicate; gauges take the newest message's values. */
  telemetry(at: NodeRef, payload: TelemetryPayload): TelemetryResult {
    const device = this.device(at);
    const observed = device.seq.observe(payload.seq);
    if (observed.kind === "duplicate") return { result: "duplicate", drops: [] };
    const drops: Drop[] = [];
    const f = this.families;
    const newest = observed.kind !== "late";
    if (this.options.countSkippedAsGaps) {
      if (observed.kind === "next") this.gaps(device).value += observed.skipped;
    } else this.gaps(device).value = Math.max(this.gaps(device).value, payload.spool.droppedMessages);
    this.seen(device);
    this.heard(device);
    if (device.timedOut) this.setState(device, "online");

    if (newest) {
      for (const s of payload.samples) {
        const family = f.samples.get(s.metric);
        if (!family) continue;
        const labels = sampleLabels(s.metric, s.labels);
        if ("reason" in labels) {
          drops.push(labels);
          continue;
        }
        const own = ownLabels(labels.pairs);
        const drop = this.admit(device, family, own, 1);
        if (drop) drops.push(drop);
        else this.value(device, family, own, () => s.value);
      }
      this.value(device, f.spoolPending, NO_LABELS, () => payload.spool.pendingMessages);
      this.value(device, f.spoolBytes, NO_LABELS, () => payload.spool.bytes);
    }
    this.value(device, f.spoolDropped, NO_LABELS, (v) => Math.max(v, payload.spool.droppedMessages));
    this.value(device, f.readErrors, NO_LABELS, (v) => v + payload.readErrors);
    for (const i of payload.inference) {
      const own = ownLabels([
        ["namespace", i.namespace],
        ["model", i.model],
        ["version", i.version],
        ["variant", i.variant],
        ["runtime", i.runtime],
      ]);
      // The series of a model version come and go together; the two evaluation counters are
      // budgeted whether or not the runtime scores evaluations, so they never exceed the limit later.
      const drop = this.admit(device, f.requests, own, 2 + LATENCY_BUCKETS_SECONDS.length + 3 + 2);
      if (drop) {
        drops.push(drop);
        continue;
      }
      device.served.set(own.own, this.clock.now());
      this.value(device, f.requests, own, (v) => v + i.requests);
      this.value(device, f.errors, own, (v) => v + i.errors);
      this.histogram(device, own).add(i.latencyBucketCounts, i.latencySumSeconds);
      if (i.evaluations !== undefined) {
        this.value(device, f.evaluations, own, (v) => v + (i.evaluations ?? 0));
        this.value(device, f.evaluationsCorrect, own, (v) => v + (i.evaluationsCorrect ?? 0));
      }
    }
    for (const a of payload.artifactFailures) {
      const own = ownLabels([
        ["namespace", a.namespace],
        ["model", a.model],
        ["version", a.version],
        ["reason", a.reason],
      ]);
      const drop = this.admit(device, f.artifactFailures, own, 1);
      if (drop) drops.push(drop);
      else this.value(device, f.artifactFailures, own, (v) => v + a.count);
    }
    this.forgetStaleVersions(device);
    return { result: "accepted", drops };
  }

  /** A death (clean shutdown or last will): up goes to 0 and every other series of the device goes. */
  death(at: NodeRef, _payload: DeathPayload, retained: boolean): void {
    const device = this.device(at);
    // A retained death is history: a device this gateway has heard come online since stays online.
    if (retained && device.state === "online") return;
    this.offline(device);
  }

  /**
   * A retired device (its retained birth cleared, docs/runbooks.md): every series of it goes, up and
   * the gap counter too, and the device is forgotten. False when this gateway did not know it.
   */
  retire({ site, node }: NodeRef): boolean {
    const device = this.devices.get(`${site}/${node}`);
    if (!device) return false;
    for (const id of device.owned.keys()) this.delete(device, id);
    this.families.gaps.delete(device.key);
    if (device.state) this.states[device.state]--;
    this.devices.delete(device.key);
    return true;
  }

  /** Counts silence from now for every device: after this gateway itself heard nothing for a while (a lost broker connection). */
  restartSilence(): void {
    const now = this.clock.now();
    for (const device of this.devices.values()) if (device.heardAt !== undefined) device.heardAt = now;
  }

  /**
   * Takes every online device not heard from for `silentMs` or more offline as its last will
   * would, and returns them. Its next telemetry or birth brings it back.
   */
  expire(silentMs: number): NodeRef[] {
    const heardBefore = this.clock.now() - silentMs;
    const expired: NodeRef[] = [];
    for (const device of this.devices.values()) {
      if (device.state !== "online" || device.heardAt === undefined || device.heardAt > heardBefore) continue;
      this.offline(device);
      device.timedOut = true;
      expired.push({ site: device.site, node: device.node });
    }
    return expired;
  }

  private offline(device: Device): void {
    for (const [id, { family }] of device.owned) if (family !== this.families.up) this.delete(device, id);
    device.infoLabels = "";
    device.served.clear();
    this.setState(device, "offline");
  }

  private device({ site, node }: NodeRef): Device {
    const key = `${site}/${node}`;
    let device = this.devices.get(key);
    if (!device) {
      device = new Device(site, node, key);
      this.devices.set(key, device);
    }
    return device;
  }

  private setState(device: Device, state: DeviceState): void {
    device.timedOut = false;
    if (device.state) this.states[device.state]--;
    device.state = state;
    this.states[state]++;
    this.value(device, this.families.up, NO_LABELS, () => (state === "online" ? 1 : 0));
  }

  private heard(device: Device): void {
    device.heardAt = this.clock.now();
  }

  private seen(device: Device): void {
    this.value(device, this.families.lastSeen, NO_LABELS, () => this.clock.wallMs() / 1000);
  }

  private gaps(device: Device): ValueSeries {
    if (!device.gaps) {
      device.gaps = new ValueSeries(
        this.families.gaps.name,
        "",
        labelPairs([
          ["site", device.site],
          ["node", device.node],
        ]),
      );
      this.families.gaps.add(device.key, device.gaps);
    }
    return device.gaps;
  }

  /**
   * Whether a new series of `family` with these own labels, `lines` long, fits the node's caps:
   * undefined when it fits or already exists, else the drop. The gateway's own per-device series
   * (up, last seen, info, spool, read errors) are never refused; they count against the caps.
   */
  private admit(device: Device, family: Family, { pairs, own }: OwnLabels, lines: number): Drop | undefined {
    if (device.owned.has(`${family.name}\u0000${own}`)) return undefined;
    const { maxSeriesPerNode, maxLabelValuesPerNode } = this.limits;
    if (device.lines + lines > maxSeriesPerNode)
      return {
        reason: "series-limit",
        detail: `${family.name}{${own}}: the node has ${device.lines} series lines, --max-series-per-node is ${maxSeriesPerNode}`,
      };
    for (const [name, value] of pairs) {
      const values = device.values.get(name);
      if (values !== undefined && !values.has(value) && values.size >= maxLabelValuesPerNode)
        return {
          reason: "label-values-limit",
          detail: `${family.name}{${own}}: label ${name} has ${values.size} values on the node, --max-label-values-per-node is ${maxLabelValuesPerNode}`,
        };
    }
    return undefined;
  }

  /** Removes the inference series of every model version the device's telemetry has not named for the stale time. */
  private forgetStaleVersions(device: Device): void {
    const servedBefore = this.clock.now() - this.limits.inferenceStaleMs;
    for (const [own, at] of device.served) {
      if (at > servedBefore) continue;
      for (const family of [
        this.families.requests,
        this.families.errors,
        this.families.latency,
        this.families.evaluations,
        this.families.evaluationsCorrect,
      ])
        this.remove(device, family, own);
      device.served.delete(own);
    }
  }

  private owned<S extends Series>(device: Device, family: Family, { pairs, own }: OwnLabels, make: (own: string) => S): S {
    const id = `${family.name}\u0000${own}`;
    const found = device.owned.get(id);
    if (found) return found.series as S;
    const series = make(own);
    const key = `${device.key}\u0000${own}`;
    family.add(key, series);
    device.owned.set(id, { family, key, series, pairs });
    device.lines += series.lines;
    for (const [name, value] of pairs) {
      const values = device.values.get(name) ?? new Map<string, number>();
      device.values.set(name, values);
      values.set(value, (values.get(value) ?? 0) + 1);
    }
    return series;
  }

  private value(device: Device, family: Family, labels: OwnLabels, update: (previous: number) => number): void {
    const series = this.owned(device, family, labels, (own) => new ValueSeries(family.name, own, device.labels));
    series.value = update(series.value);
  }

  private histogram(device: Device, labels: OwnLabels): HistogramSeries {
    const family = this.families.latency;
    return this.owned(device, family, labels, (own) => new HistogramSeries(family.name, LATENCY_BUCKETS_SECONDS, own, device.labels));
  }

  private remove(device: Device, family: Family, own: string): void {
    this.delete(device, `${family.name}\u0000${own}`);
  }

  private delete(device: Device, id: string): void {
    const found = device.owned.get(id);
    if (!found) return;
    found.family.delete(found.key);
    device.owned.delete(id);
    device.lines -= found.series.lines;
    for (const [name, value] of found.pairs) {
      const values = device.values.get(name);
      const left = (values?.get(value) ?? 0) - 1;
      if (left > 0) values?.set(value, left);
      else values?.delete(value);
      if (values?.size === 0) device.values.delete(name);
    }
  }
}
