import { ARCHITECTURES, NODE_ACCELERATORS } from "@edgefleet/api";
import { HARDWARE_CLASSES, type Taint } from "../k3s/hardware.js";
import type { OtlpExport } from "../platform/args.js";
import { BROKER } from "../platform/broker.js";
import { GATEWAY_MQTT_IDENTITIES, OPERATOR_MQTT_IDENTITY, RETIRE_MQTT_IDENTITY } from "../platform/contract.js";
import { HOST_KEY_ALGORITHMS, type PinnedHostKey, parseHostKey } from "../ssh/host-key.js";
import { field, integer, isObject, list, type Obj, object, oneOf, Problems, string, stringMap, suggest } from "./reader.js";
import {
  DEFAULT_OTLP_PROTOCOL,
  DNS_LABEL,
  type Field,
  MONITORING_RULES,
  OTLP_ENDPOINT_EXAMPLE,
  PLATFORM_SCHEMA,
  PROMETHEUS_URL_EXAMPLE,
  type Section,
  type ValueOf,
} from "./schema.js";
import type {
  AirGapFiles,
  ExistingCluster,
  HostConfig,
  K3sChecksums,
  K3sCluster,
  PlatformConfig,
  RevokedIdentity,
  StackConfig,
} from "./types.js";

/** Pulumi config namespace of the program (the project name). */
export const NS = "edgefleet";

/** K3s release installed unless edgefleet:cluster.k3s.version says otherwise. */
export const DEFAULT_K3S_VERSION = "v1.32.3+k3s1";

const S = PLATFORM_SCHEMA;
const defaults = <F extends Record<string, Field>>(fields: F) =>
  Object.fromEntries(Object.entries(fields).flatMap(([k, f]) => ("default" in f ? [[k, f.default]] : []))) as {
    [K in keyof F as F[K] extends { default: unknown } ? K : never]: F[K] extends { default: infer D } ? D : never;
  };

/** The platform's defaults (an adopted cluster's agents cover every built-in class: see agentClasses). */
export const DEFAULTS = {
  namespace: "edgefleet-system",
  version: S.version.default,
  registry: S.registry.default,
  catalog: S.catalog.default,
  networkPolicies: S.networkPolicies.default,
  operator: defaults(S.operator.fields),
  gateway: defaults(S.gateway.fields),
  broker: defaults(S.broker.fields),
  agent: { enabled: S.agent.fields.enabled.default },
  monitoring: { rulesAs: S.monitoring.fields.rulesAs.default, dashboards: S.monitoring.fields.dashboards.default },
} as const satisfies Omit<PlatformConfig, "site" | "agent"> & { agent: { enabled: boolean } };

const KEYS = [
  "cluster",
  "namespace",
  "version",
  "registry",
  "catalog",
  "networkPolicies",
  "operator",
  "gateway",
  "broker",
  "agent",
  "monitoring",
  "sshPrivateKey",
  "k3sToken",
  "k3sAgentToken",
  "mqttPkiSeed",
  "mqttCertLifetimeDays",
] as const;
const SECRET_KEYS = ["sshPrivateKey", "k3sToken", "k3sAgentToken", "mqttPkiSeed"] as const;
type Key = (typeof KEYS)[number];
const OBJECT_KEYS: readonly Key[] = ["cluster", "operator", "gateway", "broker", "agent", "monitoring"];

/** Bounds of mqttCertLifetimeDays: above the renewal margin with room to spare, within the CA's ten years. */
const MIN_CERT_LIFETIME_DAYS = 60;
const MAX_CERT_LIFETIME_DAYS = 3_650;

const K3S_VERSION = { re: /^v\d+\.\d+\.\d+\+k3s\d+$/, what: `a K3s release such as ${DEFAULT_K3S_VERSION}` };

/** Why a stack's configuration is unusable: every problem, each naming its key and the fix. */
export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(
      `invalid stack configuration (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n${problems.map((p) => `  - ${p}`).join("\n")}`,
    );
    this.name = "ConfigError";
  }
}

/**
 * Validates the stack's raw configuration (what pulumi.runtime.allConfig() returns: "edgefleet:key"
 * to a string, objects as JSON) and applies defaults. Keys of other namespaces (kubernetes:...) are
 * left to their providers. Throws ConfigError listing every problem.
 */
export function parseConfig(raw: Readonly<Record<string, string>>, secretKeys: ReadonlySet<string>): StackConfig {
  const p = new Problems();
  const values = new Map<Key, unknown>();
  for (const [full, text] of Object.entries(raw)) {
    if (!full.startsWith(`${NS}:`)) continue;
    const key = full.slice(NS.length + 1);
    if (!(KEYS as readonly string[]).includes(key)) {
      p.add(full, `unknown key${suggest(key, KEYS)}; remove it with \`pulumi config rm ${full}\``);
      continue;
    }
    values.set(key as Key, OBJECT_KEYS.includes(key as Key) ? parseJson(p, full, text) : text);
  }
  for (const secret of SECRET_KEYS) {
    if (values.has(secret) && !secretKeys.has(k(secret))) {
      p.add(k(secret), `is stored in plain text; set it with \`pulumi config set --secret ${k(secret)} ...\``);
    }
  }
  const cluster = parseCluster(p, values);
  const platform = parsePlatform(p, values, cluster);
  const seed = values.get("mqttPkiSeed");
  if (typeof seed === "string" && seed.length < 32) {
    p.add(
      k("mqttPkiSeed"),
      `must be at least 32 characters; generate one with \`pulumi config set --secret ${k("mqttPkiSeed")} "$(openssl rand -hex 32)"\``,
    );
  }
  const lifetime = values.has("mqttCertLifetimeDays")
    ? integer(p, values.get("mqttCertLifetimeDays"), k("mqttCertLifetimeDays"), MIN_CERT_LIFETIME_DAYS, MAX_CERT_LIFETIME_DAYS)
    : undefined;
  if (p.list.length || !cluster) throw new ConfigError(p.list);
  return {
    cluster,
    platform,
    ...(typeof seed === "string" ? { mqttPkiSeed: seed } : {}),
    ...(lifetime === undefined ? {} : { mqttCertLifetimeDays: lifetime }),
  };
}

function parseJson(p: Problems, key: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return p.add(key, `must be an object; set its fields with \`pulumi config set --path '${key}.field' value\``);
  }
}

const k = (key: string) => `${NS}:${key}`;

function parsePlatform(p: Problems, v: Map<Key, unknown>, cluster: ExistingCluster | K3sCluster | undefined): PlatformConfig {
  const section = (key: Key & keyof typeof S): Obj =>
    v.has(key) ? (object(p, v.get(key), k(key), Object.keys((S[key] as Section).fields)) ?? {}) : {};
  const [op, gw, br, ag, mon] = (["operator", "gateway", "broker", "agent", "monitoring"] as const).map(section) as [
    Obj,
    Obj,
    Obj,
    Obj,
    Obj,
  ];
  /** A section's field, or its default when absent (or bad: the problem is recorded). */
  const opt = <F extends Field & { default: unknown }>(obj: Obj, name: string, f: F, at: Key): ValueOf<F> =>
    ((name in obj ? field(p, f, obj[name], `${k(at)}.${name}`) : undefined) ?? f.default) as ValueOf<F>;
  const top = <F extends Field & { default: unknown }>(key: Key, f: F): ValueOf<F> =>
    ((v.has(key) ? field(p, f, v.get(key), k(key)) : undefined) ?? f.default) as ValueOf<F>;
  const {
    operator: O,
    gateway: G,
    broker: B,
    agent: A,
    monitoring: M,
  } = {
    operator: S.operator.fields,
    gateway: S.gateway.fields,
    broker: S.broker.fields,
    agent: S.agent.fields,
    monitoring: S.monitoring.fields,
  };
  return {
    namespace: v.has("namespace") ? (string(p, v.get("namespace"), k("namespace"), DNS_LABEL) ?? DEFAULTS.namespace) : DEFAULTS.namespace,
    site: cluster?.site ?? "",
    version: top("version", S.version),
    registry: top("registry", S.registry),
    catalog: top("catalog", S.catalog),
    networkPolicies: top("networkPolicies", S.networkPolicies),
    operator: {
      replicas: opt(op, "replicas", O.replicas, "operator"),
      logLevel: opt(op, "logLevel", O.logLevel, "operator"),
      ...artifactCaBundle(p, op),
      artifactPlainHttpRegistries: opt(op, "artifactPlainHttpRegistries", O.artifactPlainHttpRegistries, "operator"),
      artifactInstallDeadline: opt(op, "artifactInstallDeadline", O.artifactInstallDeadline, "operator"),
    },
    gateway: {
      enabled: opt(gw, "enabled", G.enabled, "gateway"),
      replicas: opt(gw, "replicas", G.replicas, "gateway"),
      mqttClientSecret: opt(gw, "mqttClientSecret", G.mqttClientSecret, "gateway"),
    },
    broker: {
      enabled: opt(br, "enabled", B.enabled, "broker"),
      image: opt(br, "image", B.image, "broker"),
      tlsSecret: opt(br, "tlsSecret", B.tlsSecret, "broker"),
    },
    agent: { enabled: opt(ag, "enabled", A.enabled, "agent"), hardwareClasses: agentClasses(p, ag, cluster) },
    monitoring: {
      rulesAs: opt(mon, "rulesAs", M.rulesAs, "monitoring"),
      dashboards: opt(mon, "dashboards", M.dashboards, "monitoring"),
      ...prometheusUrl(p, mon),
      ...otlp(p, mon),
    },
  };
}

/** Optional: without it the runtime pods trust the public roots alone. */
function artifactCaBundle(p: Problems, op: Obj): { artifactCaBundle?: string } {
  if (!("artifactCaBundle" in op)) return {};
  const pem = field(p, S.operator.fields.artifactCaBundle, op.artifactCaBundle, `${k("operator")}.artifactCaBundle`);
  return pem === undefined ? {} : { artifactCaBundle: pem };
}

/** MONITORING_RULES.analysis, with the commands that fix a stack. */
function prometheusUrl(p: Problems, mon: Obj): { prometheusUrl?: string } {
  const at = k("monitoring");
  const { required, unlessFalse } = MONITORING_RULES.analysis;
  const M = S.monitoring.fields;
  const analysed = unlessFalse in mon ? field(p, M[unlessFalse], mon[unlessFalse], `${at}.${unlessFalse}`) : true;
  if (analysed === undefined) return {};
  if (!analysed) {
    if (required in mon) {
      p.add(
        `${at}.${unlessFalse}`,
        `is false, yet ${at}.${required} is set: remove one (\`pulumi config rm --path '${at}.${unlessFalse}'\` to analyse rollouts)`,
      );
    }
    return {};
  }
  if (!(required in mon)) {
    p.add(
      `${at}.${required}`,
      `missing; rollout analysis judges each step against the models' SLOs in the Prometheus that scrapes the telemetry gateway: \`pulumi config set --path '${at}.${required}' ${PROMETHEUS_URL_EXAMPLE}\`, or, to let rollout steps advance on their pauses alone with nothing rolled back automatically, \`pulumi config set --path '${at}.${unlessFalse}' false\``,
    );
    return {};
  }
  const url = field(p, M[required], mon[required], `${at}.${required}`);
  return url === undefined ? {} : { prometheusUrl: url };
}

/** MONITORING_RULES.otlp: without an endpoint the operator traces nothing, so a protocol alone is a mistake. */
function otlp(p: Problems, mon: Obj): { otlp?: OtlpExport } {
  const at = k("monitoring");
  const { field: protocolKey, requires } = MONITORING_RULES.otlp;
  const M = S.monitoring.fields;
  if (!(requires in mon)) {
    if (protocolKey in mon) {
      p.add(
        `${at}.${protocolKey}`,
        `only applies with ${at}.${requires}: set the collector's URL too, such as ${OTLP_ENDPOINT_EXAMPLE}, or remove it with \`pulumi config rm --path '${at}.${protocolKey}'\``,
      );
    }
    return {};
  }
  const endpoint = field(p, M[requires], mon[requires], `${at}.${requires}`);
  const protocol = protocolKey in mon ? field(p, M[protocolKey], mon[protocolKey], `${at}.${protocolKey}`) : DEFAULT_OTLP_PROTOCOL;
  return endpoint === undefined || protocol === undefined ? {} : { otlp: { endpoint, protocol } };
}

/**
 * The classes the agent DaemonSets cover: a K3s site's come from its hosts; an adopted cluster's
 * are listed, by default every built-in class.
 */
function agentClasses(p: Problems, ag: Obj, cluster: ExistingCluster | K3sCluster | undefined): string[] {
  const at = `${k("agent")}.hardwareClasses`;
  const f = S.agent.fields.hardwareClasses;
  if (cluster?.kind === "k3s") {
    if ("hardwareClasses" in ag) p.add(at, "a K3s site's classes are its hosts' hardwareClass; remove it");
    return [...new Set(cluster.hosts.map((h) => h.hardwareClass))];
  }
  if (!("hardwareClasses" in ag)) return [...f.default];
  const classes = (list(p, ag.hardwareClasses, at) ?? []).map((c, i) => string(p, c, `${at}[${i}]`, f.items.pattern));
  if (Array.isArray(ag.hardwareClasses) && classes.length === 0) p.add(at, "must list at least one class, or set agent.enabled to false");
  return [...new Set(classes.filter((c) => c !== undefined))];
}

function parseCluster(p: Problems, v: Map<Key, unknown>): ExistingCluster | K3sCluster | undefined {
  const key = k("cluster");
  if (!v.has("cluster")) {
    return p.add(
      key,
      `missing; adopt a cluster with \`pulumi config set --path '${key}.kubeconfig' ~/.kube/config\` or install K3s with ${key}.k3s (see docs/pulumi.md)`,
    );
  }
  const c = object(p, v.get("cluster"), key, ["kubeconfig", "context", "site", "k3s"]);
  if (!c) return undefined;
  if ("k3s" in c && ("kubeconfig" in c || "context" in c || "site" in c))
    return p.add(key, "set either k3s (install K3s) or kubeconfig/context/site (adopt a cluster), not both");
  if (!("k3s" in c)) {
    const kubeconfig = "kubeconfig" in c ? string(p, c.kubeconfig, `${key}.kubeconfig`) : undefined;
    const context = "context" in c ? string(p, c.context, `${key}.context`) : undefined;
    const site =
      "site" in c
        ? string(p, c.site, `${key}.site`, DNS_LABEL)
        : p.add(
            `${key}.site`,
            `missing; name the site whose nodes (edgefleet.io/site label) this platform serves: \`pulumi config set --path '${key}.site' factory-a\``,
          );
    if (!site) return undefined;
    return { kind: "existing", site, ...(kubeconfig ? { kubeconfig } : {}), ...(context ? { context } : {}) };
  }
  return parseK3s(p, c.k3s, `${key}.k3s`, v);
}

function parseK3s(p: Problems, value: unknown, at: string, v: Map<Key, unknown>): K3sCluster | undefined {
  const c = object(p, value, at, ["version", "site", "hosts", "sha256", "airGap", "revokedMqttIdentities"]);
  if (!c) return undefined;
  const version = "version" in c ? string(p, c.version, `${at}.version`, K3S_VERSION) : DEFAULT_K3S_VERSION;
  const site = string(p, c.site, `${at}.site`, DNS_LABEL);
  const hostList = list(p, c.hosts, `${at}.hosts`) ?? [];
  const hosts = hostList.map((h, i) => parseHost(p, h, `${at}.hosts[${i}]`));
  const servers = hosts.filter((h) => h?.role === "server").length;
  if (hostList.length && servers !== 1) p.add(`${at}.hosts`, `needs exactly one host with role: server, got ${servers}`);
  const names = hostList.map((h) => (isObject(h) ? h.name : undefined));
  names.forEach((n, i) => {
    if (typeof n === "string" && names.indexOf(n) !== i) p.add(`${at}.hosts[${i}].name`, `"${n}" is used by another host`);
  });
  const airGap = "airGap" in c ? parseAirGap(p, c.airGap, `${at}.airGap`, hosts) : undefined;
  const sha256 = parseChecksums(p, c.sha256, `${at}.sha256`, hosts, airGap !== undefined || "airGap" in c, version ?? DEFAULT_K3S_VERSION);
  const revoked = "revokedMqttIdentities" in c ? parseRevoked(p, c.revokedMqttIdentities, `${at}.revokedMqttIdentities`, names) : [];
  const secret = (key: "sshPrivateKey" | "k3sToken" | "k3sAgentToken", hint: string) => {
    const s = v.get(key);
    if (typeof s === "string" && s.length > 0) return s;
    return p.add(k(key), `missing; K3s needs it: \`${hint}\``);
  };
  const sshPrivateKey = secret("sshPrivateKey", `pulumi config set --secret ${k("sshPrivateKey")} < ~/.ssh/id_ed25519`);
  const token = joinToken(p, secret("k3sToken", `pulumi config set --secret ${k("k3sToken")} "$(openssl rand -hex 32)"`), "k3sToken");
  const agentToken = joinToken(
    p,
    secret("k3sAgentToken", `pulumi config set --secret ${k("k3sAgentToken")} "$(openssl rand -hex 32)"`),
    "k3sAgentToken",
  );
  if (token !== undefined && token === agentToken)
    p.add(
      k("k3sAgentToken"),
      `must differ from ${k("k3sToken")}: every device holds the agent token; generate one with \`openssl rand -hex 32\``,
    );
  if (!version || !site || !sshPrivateKey || !token || !agentToken || !sha256 || hosts.some((h) => !h)) return undefined;
  if (!revoked) return undefined;
  return {
    kind: "k3s",
    version,
    site,
    hosts: hosts as HostConfig[],
    ...(airGap ? { airGap } : {}),
    revokedMqttIdentities: revoked,
    sshPrivateKey,
    token,
    agentToken,
    sha256,
  };
}

/** A join secret: long enough, and of the characters K3s's token format keeps intact (no ':'). */
function joinToken(p: Problems, token: string | undefined, key: "k3sToken" | "k3sAgentToken"): string | undefined {
  if (token === undefined) return undefined;
  if (token.length < 16 || !/^[A-Za-z0-9._-]+$/.test(token))
    return p.add(k(key), "must be at least 16 letters, digits, '.', '_' or '-'; generate one with `openssl rand -hex 32`");
  return token;
}

const SHA256 = { re: /^[0-9a-f]{64}$/, what: "a sha256 in hex (64 lowercase hex digits)" };

/**
 * The release's files pinned by sha256: install.sh, and a binary (and air-gapped, an image
 * archive) for every architecture the hosts have. Required: a host checks each staged file
 * against them before it runs the installer as root.
 */
function parseChecksums(
  p: Problems,
  value: unknown,
  at: string,
  hosts: readonly (HostConfig | undefined)[],
  airGapped: boolean,
  version: string,
): K3sChecksums | undefined {
  const tag = encodeURIComponent(version);
  if (value === undefined) {
    return p.add(
      at,
      `missing; pin the release's files: \`pulumi config set --path '${at}.installScript' <sha256 of https://raw.githubusercontent.com/k3s-io/k3s/${tag}/install.sh>\` and \`pulumi config set --path '${at}.binaries.amd64' <k3s's line of https://github.com/k3s-io/k3s/releases/download/${tag}/sha256sum-amd64.txt>\` (binaries.arm64 from sha256sum-arm64.txt${airGapped ? "; images.<arch> from the same files" : ""})`,
    );
  }
  const c = object(p, value, at, ["installScript", "binaries", "images"]);
  if (!c) return undefined;
  const installScript = string(p, c.installScript, `${at}.installScript`, SHA256);
  const perArch = (what: "binaries" | "images") => {
    const map = stringMap(p, c[what] ?? {}, `${at}.${what}`);
    if (!map) return undefined;
    for (const [arch, sum] of Object.entries(map)) {
      if (!(ARCHITECTURES as readonly string[]).includes(arch)) p.add(`${at}.${what}.${arch}`, "unknown architecture; use amd64 or arm64");
      else string(p, sum, `${at}.${what}.${arch}`, SHA256);
    }
    for (const arch of new Set(hosts.map((h) => h?.arch))) {
      if (arch && !map[arch]) p.add(`${at}.${what}.${arch}`, `missing: a host is ${arch}; set it from the release's sha256sum-${arch}.txt`);
    }
    return map;
  };
  const binaries = perArch("binaries");
  const images = airGapped ? perArch("images") : undefined;
  if (!airGapped && "images" in c) p.add(`${at}.images`, "only applies with airGap (online, K3s pulls its images); remove it");
  if (!installScript || !binaries || (airGapped && !images) || p.list.some((m) => m.startsWith(at))) return undefined;
  return { installScript, binaries, ...(images ? { images } : {}) };
}

/**
 * The platform's own MQTT identities (certificate CNs), which a node's name must never be: a host
 * is issued a certificate with its name as CN, so it would share the broker's name or get the
 * gateway's or the retire command's grants in the ACL.
 */
const RESERVED_MQTT_IDENTITIES: Readonly<Record<string, string>> = {
  [BROKER]: "the MQTT broker",
  ...Object.fromEntries(GATEWAY_MQTT_IDENTITIES.map((id) => [id, "a telemetry gateway replica (it reads every node's messages)"])),
  [RETIRE_MQTT_IDENTITY]: "the gateway's retire command (it writes every node's birth)",
  [OPERATOR_MQTT_IDENTITY]: "the operator (it writes every node's assignments)",
};

function parseHost(p: Problems, value: unknown, at: string): HostConfig | undefined {
  const h = object(p, value, at, [
    "name",
    "address",
    "port",
    "user",
    "role",
    "hardwareClass",
    "accelerator",
    "arch",
    "labels",
    "taints",
    "hostKey",
    "mqttGeneration",
  ]);
  if (!h) return undefined;
  const name = string(p, h.name, `${at}.name`, DNS_LABEL);
  const reserved = name === undefined ? undefined : RESERVED_MQTT_IDENTITIES[name];
  if (reserved) {
    p.add(
      `${at}.name`,
      `"${name}" is reserved for ${reserved}: a host of that name would be issued its MQTT identity; rename the host (its Kubernetes node name)`,
    );
  }
  const address = string(p, h.address, `${at}.address`);
  const port = "port" in h ? integer(p, h.port, `${at}.port`, 1, 65535) : 22;
  const user = string(p, h.user, `${at}.user`);
  const role = "role" in h ? oneOf(p, h.role, `${at}.role`, ["server", "agent"] as const) : "agent";
  const hardwareClass = string(p, h.hardwareClass, `${at}.hardwareClass`, DNS_LABEL);
  const known = hardwareClass === undefined ? undefined : HARDWARE_CLASSES[hardwareClass];
  if (hardwareClass !== undefined && !known && !("accelerator" in h && "arch" in h)) {
    p.add(
      `${at}.hardwareClass`,
      `"${hardwareClass}" is not a built-in class (${Object.keys(HARDWARE_CLASSES).join(", ")})${suggest(hardwareClass, Object.keys(HARDWARE_CLASSES))}; for a class of your own also set accelerator and arch`,
    );
  }
  const accelerator = "accelerator" in h ? oneOf(p, h.accelerator, `${at}.accelerator`, NODE_ACCELERATORS) : known?.accelerator;
  const arch = "arch" in h ? oneOf(p, h.arch, `${at}.arch`, ARCHITECTURES) : known?.arch;
  const labels = "labels" in h ? stringMap(p, h.labels, `${at}.labels`) : {};
  const taints = "taints" in h ? (list(p, h.taints, `${at}.taints`) ?? []).map((t, i) => parseTaint(p, t, `${at}.taints[${i}]`)) : [];
  const hostKey = parseHostKeyField(p, h.hostKey, `${at}.hostKey`, address, "port" in h ? port : 22);
  const mqttGeneration = "mqttGeneration" in h ? integer(p, h.mqttGeneration, `${at}.mqttGeneration`, 0, MAX_GENERATION) : 0;
  if (
    !name ||
    !address ||
    !port ||
    !user ||
    !role ||
    !hardwareClass ||
    !accelerator ||
    !arch ||
    !labels ||
    taints.some((t) => !t) ||
    !hostKey ||
    mqttGeneration === undefined
  ) {
    return undefined;
  }
  return { name, address, port, user, role, hardwareClass, accelerator, arch, labels, taints: taints as Taint[], hostKey, mqttGeneration };
}

/** A host's pinned SSH host key, with how to read it off the host when it is missing or malformed. */
function parseHostKeyField(
  p: Problems,
  value: unknown,
  at: string,
  address = "ADDRESS",
  port: number | undefined = 22,
): PinnedHostKey | undefined {
  const how = `read it with \`ssh-keyscan -t ed25519 -p ${port} ${address}\`, compare its fingerprint (\`ssh-keygen -lf <file of that line>\`) with \`ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub\` on the host's console, then \`pulumi config set --path '${at}' 'ssh-ed25519 AAAA...'\``;
  if (value === undefined) return p.add(at, `missing; every host's SSH key is pinned, so no other machine can take its place: ${how}`);
  const line = string(p, value, at);
  if (line === undefined) return undefined;
  return (
    parseHostKey(line) ??
    p.add(
      at,
      `must be an OpenSSH public key line such as 'ssh-ed25519 AAAA...' (types: ${Object.keys(HOST_KEY_ALGORITHMS).join(", ")}); ${how}`,
    )
  );
}

/** Generations are counted by hand, one per re-issue; the CRL lists every earlier one, so keep it small. */
const MAX_GENERATION = 1_000;

/** Revoked identities: each a name no current host has, and the last generation it was issued. */
function parseRevoked(p: Problems, value: unknown, at: string, hostNames: readonly unknown[]): RevokedIdentity[] | undefined {
  const entries = (list(p, value, at) ?? []).map((r, i) => {
    const o = object(p, r, `${at}[${i}]`, ["name", "generation"]);
    if (!o) return undefined;
    const name = string(p, o.name, `${at}[${i}].name`, DNS_LABEL);
    const generation = "generation" in o ? integer(p, o.generation, `${at}[${i}].generation`, 0, MAX_GENERATION) : 0;
    if (name !== undefined && hostNames.includes(name)) {
      p.add(
        `${at}[${i}].name`,
        `"${name}" is a current host: to re-issue its identity raise its mqttGeneration (the earlier ones are revoked with it); to cut it off remove it from hosts`,
      );
    }
    return name === undefined || generation === undefined ? undefined : { name, generation };
  });
  return entries.some((e) => !e) ? undefined : (entries as RevokedIdentity[]);
}

function parseTaint(p: Problems, value: unknown, at: string): Taint | undefined {
  const t = object(p, value, at, ["key", "value", "effect"]);
  if (!t) return undefined;
  const key = string(p, t.key, `${at}.key`);
  const val = "value" in t ? string(p, t.value, `${at}.value`) : undefined;
  const effect = oneOf(p, t.effect, `${at}.effect`, ["NoSchedule", "PreferNoSchedule", "NoExecute"] as const);
  return key && effect ? { key, ...(val === undefined ? {} : { value: val }), effect } : undefined;
}

function parseAirGap(p: Problems, value: unknown, at: string, hosts: readonly (HostConfig | undefined)[]): AirGapFiles | undefined {
  const a = object(p, value, at, ["installScript", "binaries", "images"]);
  if (!a) return undefined;
  const installScript = string(p, a.installScript, `${at}.installScript`);
  const perArch = (field: "binaries" | "images") => {
    const map = isObject(a[field])
      ? stringMap(p, a[field], `${at}.${field}`)
      : p.add(`${at}.${field}`, "must map each architecture (amd64, arm64) to a local file");
    if (!map) return undefined;
    for (const arch of new Set(hosts.map((h) => h?.arch))) {
      if (arch && !map[arch]) p.add(`${at}.${field}.${arch}`, `missing: a host is ${arch}; set it to the local file to copy`);
    }
    for (const key of Object.keys(map))
      if (!(ARCHITECTURES as readonly string[]).includes(key)) p.add(`${at}.${field}.${key}`, "unknown architecture; use amd64 or arm64");
    return map;
  };
  const binaries = perArch("binaries");
  const images = perArch("images");
  return installScript && binaries && images ? { installScript, binaries, images } : undefined;
}
