import { readFile } from "node:fs/promises";
import { ARCHITECTURES, type Architecture, NODE_ACCELERATORS, type NodeAccelerator } from "@edgefleet/api";
import { parse } from "yaml";

/** A place where devices run: nodes get its region and zone as topology labels. */
export interface FleetSite {
  readonly name: string;
  readonly region: string;
  readonly zone: string;
}

export interface NodeTaint {
  readonly key: string;
  readonly value?: string;
  readonly effect: "NoSchedule" | "PreferNoSchedule" | "NoExecute";
}

/** One kind of device in the fleet; every node of a class looks the same. */
export interface HardwareClass {
  readonly name: string;
  readonly description?: string;
  readonly count: number;
  readonly arch: Architecture;
  readonly instanceType: string;
  /** Reported as the node's status.nodeInfo.osImage. */
  readonly osImage: string;
  readonly accelerator: NodeAccelerator;
  readonly labels: Readonly<Record<string, string>>;
  /** Node capacity, also used as allocatable: cpu, memory, pods and extended resources. */
  readonly capacity: Readonly<Record<string, string>>;
  readonly taints: readonly NodeTaint[];
}

/** A declarative edge fleet: which hardware classes exist, how many of each, and where. */
export interface FleetProfile {
  readonly name: string;
  readonly sites: readonly FleetSite[];
  readonly classes: readonly HardwareClass[];
}

export class FleetProfileError extends Error {
  override name = "FleetProfileError";
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const QUANTITY = /^[0-9]+(\.[0-9]+)?(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$/;
// Kubernetes label keys: optional DNS-subdomain prefix, then a name of at most 63 characters.
const LABEL_KEY = /^([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])?$/;
const TAINT_EFFECTS = ["NoSchedule", "PreferNoSchedule", "NoExecute"] as const;
// kwok renders node status through an unquoted YAML template: a ':' or '#' here breaks it.
const OS_IMAGE = /^[A-Za-z0-9 ._()/+-]{1,100}$/;

/** Reads and validates a profile file; errors name the file, the field and the fix. */
export async function loadFleetProfile(path: string): Promise<FleetProfile> {
  let doc: unknown;
  try {
    doc = parse(await readFile(path, "utf8"));
  } catch (err) {
    throw new FleetProfileError(`fleet profile ${path}: ${(err as Error).message}`);
  }
  try {
    return parseFleetProfile(doc);
  } catch (err) {
    if (err instanceof FleetProfileError) throw new FleetProfileError(`fleet profile ${path}: ${err.message}`);
    throw err;
  }
}

/** Validates a parsed profile document. */
export function parseFleetProfile(doc: unknown): FleetProfile {
  const root = object(doc, "(root)");
  if (root.kind !== "FleetProfile") fail("kind", `must be "FleetProfile", got ${JSON.stringify(root.kind)}`);
  const name = dnsLabel(root.name, "name");
  const sites = array(root.sites, "sites").map((s, i) => parseSite(s, `sites[${i}]`));
  if (sites.length === 0) fail("sites", "must list at least one site");
  unique(sites, "sites");
  const classes = array(root.classes, "classes").map((c, i) => parseClass(c, `classes[${i}]`));
  if (classes.length === 0) fail("classes", "must list at least one hardware class");
  unique(classes, "classes");
  return { name, sites, classes };
}

function parseSite(v: unknown, at: string): FleetSite {
  const o = object(v, at);
  return { name: dnsLabel(o.name, `${at}.name`), region: dnsLabel(o.region, `${at}.region`), zone: dnsLabel(o.zone, `${at}.zone`) };
}

function parseClass(v: unknown, at: string): HardwareClass {
  const o = object(v, at);
  const count = o.count;
  if (typeof count !== "number" || !Number.isInteger(count) || count < 0) {
    fail(`${at}.count`, `must be a whole number >= 0, got ${JSON.stringify(count)}`);
  }
  const labels = stringMap(o.labels ?? {}, `${at}.labels`);
  for (const [k, val] of Object.entries(labels)) {
    if (!LABEL_KEY.test(k)) fail(`${at}.labels`, `"${k}" is not a valid label key`);
    if (!LABEL_VALUE.test(val))
      fail(`${at}.labels.${k}`, `"${val}" is not a valid label value (63 characters of [A-Za-z0-9-_.], alphanumeric at both ends)`);
  }
  const capacity = stringMap(o.capacity, `${at}.capacity`);
  for (const key of ["cpu", "memory", "pods"]) {
    if (!(key in capacity)) fail(`${at}.capacity.${key}`, "is required");
  }
  for (const [k, q] of Object.entries(capacity)) {
    if (!QUANTITY.test(q)) fail(`${at}.capacity.${k}`, `must be a quantity such as "4", "500m" or "8Gi", got "${q}"`);
  }
  return {
    name: dnsLabel(o.name, `${at}.name`),
    ...(typeof o.description === "string" ? { description: o.description } : {}),
    count: count as number,
    arch: oneOf(o.arch, ARCHITECTURES, `${at}.arch`),
    instanceType: dnsLabel(o.instanceType, `${at}.instanceType`),
    osImage: osImage(o.osImage, `${at}.osImage`),
    accelerator: oneOf(o.accelerator, NODE_ACCELERATORS, `${at}.accelerator`),
    labels,
    capacity,
    taints: array(o.taints ?? [], `${at}.taints`).map((t, i) => parseTaint(t, `${at}.taints[${i}]`)),
  };
}

function parseTaint(v: unknown, at: string): NodeTaint {
  const o = object(v, at);
  if (typeof o.key !== "string" || !LABEL_KEY.test(o.key)) fail(`${at}.key`, "must be a valid label key");
  if (o.value !== undefined && (typeof o.value !== "string" || !LABEL_VALUE.test(o.value))) {
    fail(`${at}.value`, "must be a valid label value");
  }
  return {
    key: o.key as string,
    ...(o.value === undefined ? {} : { value: o.value as string }),
    effect: oneOf(o.effect, TAINT_EFFECTS, `${at}.effect`),
  };
}

/** Node count overrides: a fleet total spread over the classes in proportion, or per-class counts. */
export interface CountOverrides {
  readonly total?: number;
  readonly perClass?: Readonly<Record<string, number>>;
}

/** Returns the profile with counts replaced; per-class counts win over the total. */
export function withCounts(profile: FleetProfile, overrides: CountOverrides): FleetProfile {
  const known = new Set(profile.classes.map((c) => c.name));
  for (const [name, n] of Object.entries(overrides.perClass ?? {})) {
    if (!known.has(name)) throw new FleetProfileError(`--count ${name}=${n}: no hardware class "${name}"; known: ${[...known].join(", ")}`);
    if (!Number.isInteger(n) || n < 0) throw new FleetProfileError(`--count ${name}=${n}: must be a whole number >= 0`);
  }
  let counts = profile.classes.map((c) => c.count);
  if (overrides.total !== undefined) {
    if (!Number.isInteger(overrides.total) || overrides.total < 0) {
      throw new FleetProfileError(`--nodes ${overrides.total}: must be a whole number >= 0`);
    }
    counts = spread(overrides.total, counts);
  }
  return {
    ...profile,
    classes: profile.classes.map((c, i) => ({ ...c, count: overrides.perClass?.[c.name] ?? counts[i] ?? 0 })),
  };
}

/** Splits total over buckets in proportion to weights (largest remainder), equally when all are 0. */
export function spread(total: number, weights: readonly number[]): number[] {
  const sum = weights.reduce((a, b) => a + b, 0);
  const w = sum === 0 ? weights.map(() => 1) : weights;
  const wsum = sum === 0 ? weights.length : sum;
  const exact = w.map((x) => (total * x) / wsum);
  const out = exact.map(Math.floor);
  const order = exact.map((x, i) => [x - Math.floor(x), i] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  let left = total - out.reduce((a, b) => a + b, 0);
  for (const [, i] of order) {
    if (left-- <= 0) break;
    out[i] = (out[i] ?? 0) + 1;
  }
  return out;
}

function fail(at: string, msg: string): never {
  throw new FleetProfileError(`${at}: ${msg}`);
}

function object(v: unknown, at: string): Record<string, unknown> {
  if (typeof v !== "object" || v === null || Array.isArray(v)) fail(at, "must be a mapping");
  return v as Record<string, unknown>;
}

function array(v: unknown, at: string): unknown[] {
  if (!Array.isArray(v)) fail(at, "must be a list");
  return v;
}

function stringMap(v: unknown, at: string): Record<string, string> {
  const o = object(v, at);
  for (const [k, val] of Object.entries(o)) {
    if (typeof val !== "string") fail(`${at}.${k}`, `must be a string (quote it: "${String(val)}")`);
  }
  return o as Record<string, string>;
}

function dnsLabel(v: unknown, at: string): string {
  if (typeof v !== "string" || v.length > 63 || !DNS_LABEL.test(v)) {
    fail(at, `must be a DNS label (lowercase letters, digits and '-', at most 63 characters), got ${JSON.stringify(v)}`);
  }
  return v;
}

function osImage(v: unknown, at: string): string {
  if (v === undefined) return "Linux";
  if (typeof v !== "string" || !OS_IMAGE.test(v)) {
    fail(at, `must be 1-100 characters of letters, digits, spaces and ._()/+- (no ':' or '#'), got ${JSON.stringify(v)}`);
  }
  return v;
}

function oneOf<T extends string>(v: unknown, allowed: readonly T[], at: string): T {
  if (typeof v !== "string" || !(allowed as readonly string[]).includes(v)) {
    fail(at, `must be one of ${allowed.join(", ")}; got ${JSON.stringify(v)}`);
  }
  return v as T;
}

function unique(items: readonly { name: string }[], at: string): void {
  const seen = new Set<string>();
  for (const [i, { name }] of items.entries()) {
    if (seen.has(name)) fail(`${at}[${i}].name`, `"${name}" is listed twice`);
    seen.add(name);
  }
}
