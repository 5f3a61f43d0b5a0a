import { rootCertificates } from "node:tls";
import { describe, expect, it } from "vitest";
import { HARDWARE_CLASSES } from "../k3s/hardware.js";
import { CHECKSUMS, HOST_KEY, HOST_KEY_LINE } from "../testing/pins.js";
import { ConfigError, DEFAULT_K3S_VERSION, DEFAULTS, parseConfig } from "./parse.js";

const json = (v: unknown) => JSON.stringify(v);
const PROMETHEUS = "http://prometheus-operated.monitoring.svc:9090";
/** A stack must name its Prometheus (or opt out of analysis): the configs here do, unless they set monitoring themselves. */
const analysed = (raw: Record<string, string>) =>
  "edgefleet:monitoring" in raw ? raw : { ...raw, "edgefleet:monitoring": json({ prometheusUrl: PROMETHEUS }) };
const SECRETS = new Set(["edgefleet:sshPrivateKey", "edgefleet:k3sToken", "edgefleet:k3sAgentToken"]);

function problems(raw: Record<string, string>, secrets: ReadonlySet<string> = SECRETS): readonly string[] {
  try {
    parseConfig(analysed(raw), secrets);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error("expected a ConfigError");
}

const host = (over: Record<string, unknown> = {}) => ({
  name: "line1-nuc",
  address: "10.0.0.11",
  user: "ubuntu",
  hardwareClass: "intel-nuc",
  hostKey: HOST_KEY_LINE,
  ...over,
});
const PINS = { installScript: CHECKSUMS.installScript, binaries: { amd64: CHECKSUMS.binaries.amd64 } };
const k3s = (over: Record<string, unknown> = {}) => ({
  "edgefleet:cluster": json({
    k3s: {
      site: "factory-a",
      hosts: [host({ name: "line1-server", role: "server", hardwareClass: "x86-cpu" }), host()],
      sha256: PINS,
      ...over,
    },
  }),
  "edgefleet:sshPrivateKey": "-----BEGIN OPENSSH PRIVATE KEY-----\n...",
  "edgefleet:k3sToken": "0123456789abcdef0123",
  "edgefleet:k3sAgentToken": "agent-0123456789abcdef",
});

describe("parseConfig", () => {
  it("adopts a cluster from a kubeconfig with every platform default", () => {
    const cfg = parseConfig(
      analysed({ "edgefleet:cluster": json({ kubeconfig: "/tmp/kc.yaml", site: "factory-a" }), "kubernetes:context": "x" }),
      new Set(),
    );
    expect(cfg.cluster).toEqual({ kind: "existing", kubeconfig: "/tmp/kc.yaml", site: "factory-a" });
    expect(cfg.platform).toEqual({
      ...DEFAULTS,
      site: "factory-a",
      agent: { enabled: true, hardwareClasses: Object.keys(HARDWARE_CLASSES) },
      monitoring: { ...DEFAULTS.monitoring, prometheusUrl: PROMETHEUS },
    });
  });

  it("needs an adopted cluster's site; its agents cover the classes listed", () => {
    expect(problems({ "edgefleet:cluster": json({ kubeconfig: "/tmp/kc.yaml" }) })).toEqual([
      expect.stringMatching(/^edgefleet:cluster.site: missing; .* `pulumi config set --path 'edgefleet:cluster.site' factory-a`$/),
    ]);
    const cfg = parseConfig(
      analysed({
        "edgefleet:cluster": json({ site: "plant-3" }),
        "edgefleet:agent": json({ hardwareClasses: ["jetson-orin", "my-fpga"] }),
      }),
      new Set(),
    );
    expect([cfg.platform.site, cfg.platform.agent.hardwareClasses]).toEqual(["plant-3", ["jetson-orin", "my-fpga"]]);
    expect(problems({ "edgefleet:cluster": json({ site: "plant-3" }), "edgefleet:agent": json({ hardwareClasses: ["FPGA"] }) })).toEqual([
      expect.stringMatching(/^edgefleet:agent.hardwareClasses\[0\]: must be a DNS label/),
    ]);
  });

  it("reads typed values from strings and nested objects", () => {
    const cfg = parseConfig(
      analysed({
        "edgefleet:cluster": json({ site: "factory-a" }),
        "edgefleet:namespace": "edgefleet-test",
        "edgefleet:catalog": "false",
        "edgefleet:operator": json({ replicas: "3", logLevel: "debug" }),
        "edgefleet:gateway": json({ enabled: false }),
        "edgefleet:monitoring": json({ rulesAs: "ConfigMap", rolloutAnalysis: false }),
      }),
      new Set(),
    );
    expect(cfg.platform.namespace).toBe("edgefleet-test");
    expect(cfg.platform.catalog).toBe(false);
    expect(cfg.platform.operator).toEqual({ ...DEFAULTS.operator, replicas: 3, logLevel: "debug" });
    expect(cfg.platform.gateway).toEqual({ ...DEFAULTS.gateway, enabled: false });
    expect(cfg.platform.monitoring).toEqual({ rulesAs: "ConfigMap", dashboards: true });
  });

  it("installs K3s on hosts with class defaults, the pinned version and the secrets", () => {
    const cfg = parseConfig(analysed(k3s()), SECRETS);
    if (cfg.cluster.kind !== "k3s") throw new Error("expected k3s");
    expect(cfg.cluster.version).toBe(DEFAULT_K3S_VERSION);
    expect(cfg.cluster.hosts.map((h) => [h.name, h.role, h.accelerator, h.arch, h.port])).toEqual([
      ["line1-server", "server", "none", "amd64", 22],
      ["line1-nuc", "agent", "intel-npu", "amd64", 22],
    ]);
    expect(cfg.cluster.token).toBe("0123456789abcdef0123");
    expect(cfg.cluster.agentToken).toBe("agent-0123456789abcdef");
    expect(cfg.cluster.hosts.map((h) => h.hostKey)).toEqual([HOST_KEY, HOST_KEY]);
    expect(cfg.cluster.sha256).toEqual(PINS);
    // The site and the agents' classes come from the K3s section.
    expect([cfg.platform.site, cfg.platform.agent.hardwareClasses]).toEqual(["factory-a", ["x86-cpu", "intel-nuc"]]);
    expect(problems({ ...k3s(), "edgefleet:agent": json({ hardwareClasses: ["x86-cpu"] }) })).toEqual([
      "edgefleet:agent.hardwareClasses: a K3s site's classes are its hosts' hardwareClass; remove it",
    ]);
  });

  it("names the key and the fix for a missing cluster", () => {
    expect(problems({})).toEqual([expect.stringMatching(/^edgefleet:cluster: missing; adopt a cluster with `pulumi config set --path/)]);
  });

  it("names unknown keys, top-level and nested, with a suggestion", () => {
    expect(
      problems({
        "edgefleet:cluster": json({ site: "factory-a" }),
        "edgefleet:namepsace": "x",
        "edgefleet:operator": json({ replica: 2 }),
      }),
    ).toEqual([
      expect.stringMatching(/^edgefleet:namepsace: unknown key \(did you mean namespace\?\)/),
      "edgefleet:operator.replica: unknown key (did you mean replicas?); known keys: replicas, logLevel, artifactCaBundle, artifactPlainHttpRegistries, artifactInstallDeadline",
    ]);
  });

  it("reports every wrong value at once, each with its key", () => {
    const list = problems({
      "edgefleet:cluster": json({ site: "factory-a" }),
      "edgefleet:namespace": "Edge_Fleet",
      "edgefleet:operator": json({ replicas: 0, logLevel: "loud" }),
      "edgefleet:agent": json({ enabled: "yes" }),
    });
    expect(list).toEqual([
      "edgefleet:namespace: must be a DNS label (lowercase letters, digits and '-', at most 63), got \"Edge_Fleet\"",
      "edgefleet:operator.replicas: must be an integer from 1 to 5, got 0",
      'edgefleet:operator.logLevel: must be one of debug, info, warn, error, got "loud"',
      'edgefleet:agent.enabled: must be true or false, got "yes"',
    ]);
  });

  it("runs the pinned upstream Mosquitto unless broker.image names another image, pinned by a tag or a digest", () => {
    const cluster = { "edgefleet:cluster": json({ site: "factory-a" }) };
    const image = (raw: string) =>
      parseConfig(analysed({ ...cluster, "edgefleet:broker": json({ image: raw }) }), new Set()).platform.broker.image;
    expect(parseConfig(analysed(cluster), new Set()).platform.broker.image).toBe("eclipse-mosquitto:2.0.20");
    const digest = `sha256:${"0a".repeat(32)}`;
    for (const ok of [
      "ghcr.io/edgefleet/mosquitto:0.1.0",
      "registry.factory.local:5000/edgefleet/mosquitto:0.1.0",
      `registry.factory.local/mosquitto@${digest}`,
      `eclipse-mosquitto:2.0.20@${digest}`,
    ]) {
      expect(image(ok)).toBe(ok);
    }
    const what =
      "an image reference with a tag or a digest, such as eclipse-mosquitto:2.0.20 or registry.example.com/edgefleet/mosquitto:0.1.0";
    for (const bad of [
      "eclipse-mosquitto",
      "ghcr.io/edgefleet/mosquitto:",
      "Eclipse-Mosquitto:2.0.20",
      "mosquitto:2.0 ",
      "https://ghcr.io/x:1",
    ]) {
      expect(problems({ ...cluster, "edgefleet:broker": json({ image: bad }) })).toEqual([
        `edgefleet:broker.image: must be ${what}, got ${JSON.stringify(bad)}`,
      ]);
    }
  });

  it("requires the K3s secrets, and refuses them in plain text", () => {
    const { "edgefleet:k3sToken": _, ...noToken } = k3s();
    expect(problems(noToken)).toEqual([
      expect.stringMatching(/^edgefleet:k3sToken: missing; K3s needs it: `pulumi config set --secret edgefleet:k3sToken/),
    ]);
    expect(problems(k3s(), new Set(["edgefleet:k3sToken", "edgefleet:k3sAgentToken"]))).toEqual([
      "edgefleet:sshPrivateKey: is stored in plain text; set it with `pulumi config set --secret edgefleet:sshPrivateKey ...`",
    ]);
  });

  it("requires a separate agent token, unlike the server token and fit for K3s's token format", () => {
    const { "edgefleet:k3sAgentToken": _, ...noAgent } = k3s();
    expect(problems(noAgent)).toEqual([
      expect.stringMatching(/^edgefleet:k3sAgentToken: missing; K3s needs it: `pulumi config set --secret edgefleet:k3sAgentToken/),
    ]);
    expect(problems({ ...k3s(), "edgefleet:k3sAgentToken": "0123456789abcdef0123" })).toEqual([
      "edgefleet:k3sAgentToken: must differ from edgefleet:k3sToken: every device holds the agent token; generate one with `openssl rand -hex 32`",
    ]);
    expect(problems({ ...k3s(), "edgefleet:k3sAgentToken": "node:0123456789abcdef" })).toEqual([
      "edgefleet:k3sAgentToken: must be at least 16 letters, digits, '.', '_' or '-'; generate one with `openssl rand -hex 32`",
    ]);
  });

  it("requires each host's SSH host key, saying how to read and check it", () => {
    const hosts = [
      host({ name: "s", role: "server", hostKey: undefined, port: 2222 }),
      host({ hostKey: "SHA256:47DEQpj8HBSa+/TImW+5JCeuQ" }),
    ];
    expect(problems(k3s({ hosts }))).toEqual([
      "edgefleet:cluster.k3s.hosts[0].hostKey: missing; every host's SSH key is pinned, so no other machine can take its place: read it with `ssh-keyscan -t ed25519 -p 2222 10.0.0.11`, compare its fingerprint (`ssh-keygen -lf <file of that line>`) with `ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub` on the host's console, then `pulumi config set --path 'edgefleet:cluster.k3s.hosts[0].hostKey' 'ssh-ed25519 AAAA...'`",
      expect.stringMatching(
        /^edgefleet:cluster.k3s.hosts\[1\].hostKey: must be an OpenSSH public key line such as 'ssh-ed25519 AAAA...' \(types: ssh-ed25519, .*\); read it with `ssh-keyscan -t ed25519 -p 22 10.0.0.11`/,
      ),
      // A host that is not valid counts as no server.
      "edgefleet:cluster.k3s.hosts: needs exactly one host with role: server, got 0",
    ]);
  });

  it("requires the release's files pinned by sha256 for every architecture, and the images' when air-gapped", () => {
    expect(problems(k3s({ sha256: undefined }))).toEqual([
      "edgefleet:cluster.k3s.sha256: missing; pin the release's files: `pulumi config set --path 'edgefleet:cluster.k3s.sha256.installScript' <sha256 of https://raw.githubusercontent.com/k3s-io/k3s/v1.32.3%2Bk3s1/install.sh>` and `pulumi config set --path 'edgefleet:cluster.k3s.sha256.binaries.amd64' <k3s's line of https://github.com/k3s-io/k3s/releases/download/v1.32.3%2Bk3s1/sha256sum-amd64.txt>` (binaries.arm64 from sha256sum-arm64.txt)",
    ]);
    const hosts = [host({ name: "s", role: "server" }), host({ name: "pi", hardwareClass: "rpi5-coral" })];
    expect(
      problems(k3s({ hosts, sha256: { installScript: "ABC", binaries: { amd64: CHECKSUMS.binaries.amd64, riscv: "x" }, images: {} } })),
    ).toEqual([
      'edgefleet:cluster.k3s.sha256.installScript: must be a sha256 in hex (64 lowercase hex digits), got "ABC"',
      "edgefleet:cluster.k3s.sha256.binaries.riscv: unknown architecture; use amd64 or arm64",
      "edgefleet:cluster.k3s.sha256.binaries.arm64: missing: a host is arm64; set it from the release's sha256sum-arm64.txt",
      "edgefleet:cluster.k3s.sha256.images: only applies with airGap (online, K3s pulls its images); remove it",
    ]);
    const airGap = { installScript: "install.sh", binaries: { amd64: "k3s" }, images: { amd64: "i.tar.zst" } };
    expect(problems(k3s({ airGap }))).toEqual([
      "edgefleet:cluster.k3s.sha256.images.amd64: missing: a host is amd64; set it from the release's sha256sum-amd64.txt",
    ]);
    const cfg = parseConfig(analysed(k3s({ airGap, sha256: { ...PINS, images: { amd64: CHECKSUMS.images.amd64 } } })), SECRETS).cluster;
    expect(cfg.kind === "k3s" && cfg.sha256.images).toEqual({ amd64: CHECKSUMS.images.amd64 });
  });

  it("checks hosts: one server, unique names, known classes or explicit hardware", () => {
    const list = problems(
      k3s({
        version: "1.32",
        hosts: [
          host({ name: "a" }),
          host({ name: "a", hardwareClass: "jetsn-orin" }),
          host({ name: "c", hardwareClass: "my-fpga", accelerator: "none", arch: "riscv" }),
        ],
      }),
    );
    expect(list).toEqual([
      'edgefleet:cluster.k3s.version: must be a K3s release such as v1.32.3+k3s1, got "1.32"',
      expect.stringMatching(
        /^edgefleet:cluster.k3s.hosts\[1\].hardwareClass: "jetsn-orin" is not a built-in class .* \(did you mean jetson-orin\?\); for a class of your own also set accelerator and arch$/,
      ),
      'edgefleet:cluster.k3s.hosts[2].arch: must be one of amd64, arm64, got "riscv"',
      "edgefleet:cluster.k3s.hosts: needs exactly one host with role: server, got 0",
      'edgefleet:cluster.k3s.hosts[1].name: "a" is used by another host',
    ]);
  });

  it("refuses a host named like one of the platform's own MQTT identities, naming whose and the fix", () => {
    const hosts = ["edgefleet-mqtt", "edgefleet-telemetry-gateway-3", "edgefleet-gateway-retire"].map((name) => host({ name }));
    const list = problems(k3s({ hosts: [host({ name: "s", role: "server" }), ...hosts] }));
    expect(list).toEqual([
      'edgefleet:cluster.k3s.hosts[1].name: "edgefleet-mqtt" is reserved for the MQTT broker: a host of that name would be issued its MQTT identity; rename the host (its Kubernetes node name)',
      expect.stringMatching(
        /^edgefleet:cluster.k3s.hosts\[2\].name: "edgefleet-telemetry-gateway-3" is reserved for a telemetry gateway replica .*; rename the host/,
      ),
      expect.stringMatching(
        /^edgefleet:cluster.k3s.hosts\[3\].name: "edgefleet-gateway-retire" is reserved for the gateway's retire command .*; rename the host/,
      ),
    ]);
    // Names near them are a node's own.
    expect(() =>
      parseConfig(analysed(k3s({ hosts: [host({ name: "edgefleet-telemetry-gateway", role: "server" })] })), SECRETS),
    ).not.toThrow();
  });

  it("takes each host's MQTT identity generation (0 unless set) and the revoked identities of removed devices", () => {
    const hosts = [host({ name: "s", role: "server" }), host({ name: "pi", mqttGeneration: 2 })];
    const revokedMqttIdentities = [{ name: "old-pi", generation: 1 }, { name: "lost-nuc" }];
    const cfg = parseConfig(analysed(k3s({ hosts, revokedMqttIdentities })), SECRETS).cluster;
    expect(cfg.kind === "k3s" && cfg.hosts.map((h) => [h.name, h.mqttGeneration])).toEqual([
      ["s", 0],
      ["pi", 2],
    ]);
    expect(cfg.kind === "k3s" && cfg.revokedMqttIdentities).toEqual([
      { name: "old-pi", generation: 1 },
      { name: "lost-nuc", generation: 0 },
    ]);
    expect(
      problems(
        k3s({
          hosts: [host({ name: "s", role: "server", mqttGeneration: -1 }), host({ name: "pi" })],
          revokedMqttIdentities: [{ name: "pi" }, { name: "Bad_Name", generation: "x" }],
        }),
      ),
    ).toEqual([
      "edgefleet:cluster.k3s.hosts[0].mqttGeneration: must be an integer from 0 to 1000, got -1",
      // The bad host is left out, so the site has no server left either.
      "edgefleet:cluster.k3s.hosts: needs exactly one host with role: server, got 0",
      'edgefleet:cluster.k3s.revokedMqttIdentities[0].name: "pi" is a current host: to re-issue its identity raise its mqttGeneration (the earlier ones are revoked with it); to cut it off remove it from hosts',
      expect.stringMatching(/^edgefleet:cluster.k3s.revokedMqttIdentities\[1\].name: must be/),
      expect.stringMatching(/^edgefleet:cluster.k3s.revokedMqttIdentities\[1\].generation: must be an integer from 0 to 1000/),
    ]);
  });

  it("needs an air-gap file for every architecture the hosts have", () => {
    const airGap = { installScript: "install.sh", binaries: { amd64: "k3s" }, images: { amd64: "i.tar.zst" } };
    const hosts = [host({ name: "s", role: "server" }), host({ name: "pi", hardwareClass: "rpi5-coral" })];
    const sha256 = { ...CHECKSUMS };
    expect(problems(k3s({ airGap, hosts, sha256 }))).toEqual([
      "edgefleet:cluster.k3s.airGap.binaries.arm64: missing: a host is arm64; set it to the local file to copy",
      "edgefleet:cluster.k3s.airGap.images.arm64: missing: a host is arm64; set it to the local file to copy",
    ]);
  });

  it("takes an MQTT PKI seed only as a long enough secret", () => {
    const seed = "0123456789abcdef0123456789abcdef";
    const adopt = { "edgefleet:cluster": json({ site: "factory-a" }) };
    expect(parseConfig(analysed({ ...adopt, "edgefleet:mqttPkiSeed": seed }), new Set(["edgefleet:mqttPkiSeed"])).mqttPkiSeed).toBe(seed);
    expect(problems({ ...adopt, "edgefleet:mqttPkiSeed": seed }, new Set())).toEqual([
      "edgefleet:mqttPkiSeed: is stored in plain text; set it with `pulumi config set --secret edgefleet:mqttPkiSeed ...`",
    ]);
    expect(problems({ ...adopt, "edgefleet:mqttPkiSeed": "short" }, new Set(["edgefleet:mqttPkiSeed"]))).toEqual([
      expect.stringMatching(/^edgefleet:mqttPkiSeed: must be at least 32 characters/),
    ]);
  });

  it("takes the MQTT certificates' lifetime in whole days, from 60 to 3650", () => {
    const adopt = { "edgefleet:cluster": json({ site: "factory-a" }) };
    expect(parseConfig(analysed(adopt), new Set()).mqttCertLifetimeDays).toBeUndefined();
    expect(parseConfig(analysed({ ...adopt, "edgefleet:mqttCertLifetimeDays": "90" }), new Set()).mqttCertLifetimeDays).toBe(90);
    expect(problems({ ...adopt, "edgefleet:mqttCertLifetimeDays": "30" }, new Set())).toEqual([
      'edgefleet:mqttCertLifetimeDays: must be an integer from 60 to 3650, got "30"',
    ]);
  });

  it("needs an http(s) Prometheus URL for rollout analysis, unless analysis is explicitly off", () => {
    const adopt = { "edgefleet:cluster": json({ site: "factory-a" }) };
    const url = "https://prometheus.monitoring.svc:9091/prom";
    const cfg = parseConfig({ ...adopt, "edgefleet:monitoring": json({ prometheusUrl: url }) }, new Set());
    expect(cfg.platform.monitoring).toEqual({ ...DEFAULTS.monitoring, prometheusUrl: url });
    // Without one the models' SLOs would gate nothing: refused, naming both ways out.
    expect(problems({ ...adopt, "edgefleet:monitoring": json({ dashboards: false }) })).toEqual([
      "edgefleet:monitoring.prometheusUrl: missing; rollout analysis judges each step against the models' SLOs in the Prometheus that scrapes the telemetry gateway: " +
        "`pulumi config set --path 'edgefleet:monitoring.prometheusUrl' http://prometheus-operated.monitoring.svc:9090`, or, to let rollout steps advance on their pauses alone " +
        "with nothing rolled back automatically, `pulumi config set --path 'edgefleet:monitoring.rolloutAnalysis' false`",
    ]);
    const off = parseConfig({ ...adopt, "edgefleet:monitoring": json({ rolloutAnalysis: false }) }, new Set());
    expect(off.platform.monitoring).toEqual(DEFAULTS.monitoring);
    expect(problems({ ...adopt, "edgefleet:monitoring": json({ rolloutAnalysis: false, prometheusUrl: url }) })).toEqual([
      "edgefleet:monitoring.rolloutAnalysis: is false, yet edgefleet:monitoring.prometheusUrl is set: remove one (`pulumi config rm --path 'edgefleet:monitoring.rolloutAnalysis'` to analyse rollouts)",
    ]);
    expect(problems({ ...adopt, "edgefleet:monitoring": json({ rolloutAnalysis: "no" }) })).toEqual([
      'edgefleet:monitoring.rolloutAnalysis: must be true or false, got "no"',
    ]);
    // Reported with the other problems of the run, each naming its key.
    const example = "such as http://prometheus-operated.monitoring.svc:9090";
    expect(
      problems({
        ...adopt,
        "edgefleet:monitoring": json({ prometheusUrl: "prometheus:9090", dashboards: "no" }),
        "edgefleet:namespace": "X",
      }),
    ).toEqual([
      expect.stringMatching(/^edgefleet:namespace: must be a DNS label/),
      'edgefleet:monitoring.dashboards: must be true or false, got "no"',
      `edgefleet:monitoring.prometheusUrl: must be an http:// or https:// URL ${example}, got "prometheus:9090"`,
    ]);
    expect(problems({ ...adopt, "edgefleet:monitoring": json({ prometheusUrl: "ftp://prometheus" }) })).toEqual([
      `edgefleet:monitoring.prometheusUrl: must be an http:// or https:// URL ${example}, got "ftp://prometheus"`,
    ]);
    expect(problems({ ...adopt, "edgefleet:monitoring": json({ prometheusUrl: "" }) })).toEqual([
      'edgefleet:monitoring.prometheusUrl: must be a non-empty string, got ""',
    ]);
  });

  it("takes an optional OTLP collector for the operator's traces, over http/protobuf unless told otherwise", () => {
    const adopt = { "edgefleet:cluster": json({ site: "factory-a" }) };
    const monitoring = (m: Record<string, unknown>) => ({ ...adopt, "edgefleet:monitoring": json({ rolloutAnalysis: false, ...m }) });
    const endpoint = "http://otel-collector.observability.svc:4318";
    expect(parseConfig(monitoring({ otlpEndpoint: endpoint }), new Set()).platform.monitoring).toEqual({
      ...DEFAULTS.monitoring,
      otlp: { endpoint, protocol: "http/protobuf" },
    });
    expect(
      parseConfig(monitoring({ otlpEndpoint: "https://collector:4317", otlpProtocol: "grpc" }), new Set()).platform.monitoring.otlp,
    ).toEqual({
      endpoint: "https://collector:4317",
      protocol: "grpc",
    });
    expect(parseConfig(monitoring({}), new Set()).platform.monitoring).not.toHaveProperty("otlp");
    // Reported with the other problems of the run, each naming its key.
    const example = `such as ${endpoint}`;
    expect(problems({ ...monitoring({ otlpEndpoint: "otel-collector:4318", otlpProtocol: "http" }), "edgefleet:namespace": "X" })).toEqual([
      expect.stringMatching(/^edgefleet:namespace: must be a DNS label/),
      `edgefleet:monitoring.otlpEndpoint: must be an http:// or https:// URL ${example}, got "otel-collector:4318"`,
      'edgefleet:monitoring.otlpProtocol: must be one of grpc, http/protobuf, http/json, got "http"',
    ]);
    expect(problems(monitoring({ otlpEndpoint: "" }))).toEqual(['edgefleet:monitoring.otlpEndpoint: must be a non-empty string, got ""']);
    // A protocol with nowhere to send to: refused, naming both ways out.
    expect(problems(monitoring({ otlpProtocol: "grpc" }))).toEqual([
      `edgefleet:monitoring.otlpProtocol: only applies with edgefleet:monitoring.otlpEndpoint: set the collector's URL too, ${example}, or remove it with \`pulumi config rm --path 'edgefleet:monitoring.otlpProtocol'\``,
    ]);
  });

  it("takes an optional artifact CA bundle, PEM certificates only", () => {
    const adopt = { "edgefleet:cluster": json({ site: "factory-a" }), "edgefleet:monitoring": json({ rolloutAnalysis: false }) };
    const operator = (o: Record<string, unknown>) => ({ ...adopt, "edgefleet:operator": json(o) });
    const [first = "", second = ""] = rootCertificates;
    const bundle = `${first}\n${second}\n`;
    expect(parseConfig(operator({ artifactCaBundle: bundle }), new Set()).platform.operator).toEqual({
      ...DEFAULTS.operator,
      artifactCaBundle: bundle,
    });
    expect(parseConfig(operator({}), new Set()).platform.operator).not.toHaveProperty("artifactCaBundle");
    const what = "must be one or more PEM certificates (-----BEGIN CERTIFICATE----- ... -----END CERTIFICATE-----)";
    // A key, or a path where the PEM text belongs, is refused naming the field.
    expect(problems(operator({ artifactCaBundle: "-----BEGIN PRIVATE KEY-----\nAA==\n-----END PRIVATE KEY-----\n" }))).toEqual([
      expect.stringMatching(new RegExp(`^edgefleet:operator.artifactCaBundle: ${what.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`)),
    ]);
    expect(problems(operator({ artifactCaBundle: "/etc/ssl/site-ca.pem" }))).toEqual([
      `edgefleet:operator.artifactCaBundle: ${what}, got "/etc/ssl/site-ca.pem"`,
    ]);
  });

  it("takes plain-http registries as host[:port] and an install deadline in whole minutes or hours", () => {
    const adopt = { "edgefleet:cluster": json({ site: "factory-a" }), "edgefleet:monitoring": json({ rolloutAnalysis: false }) };
    const operator = (o: Record<string, unknown>) => ({ ...adopt, "edgefleet:operator": json(o) });
    expect(DEFAULTS.operator).toMatchObject({ artifactPlainHttpRegistries: [], artifactInstallDeadline: "30m" });
    expect(
      parseConfig(operator({ artifactPlainHttpRegistries: ["registry.site.lan:5000"], artifactInstallDeadline: "2h" }), new Set()).platform
        .operator,
    ).toEqual({ ...DEFAULTS.operator, artifactPlainHttpRegistries: ["registry.site.lan:5000"], artifactInstallDeadline: "2h" });
    // A URL where a host belongs, seconds below the operator's floor, a bare number: each named with the form it needs.
    expect(problems(operator({ artifactPlainHttpRegistries: ["http://registry.site.lan:5000"], artifactInstallDeadline: "30s" }))).toEqual([
      'edgefleet:operator.artifactPlainHttpRegistries[0]: must be a registry host[:port] as oci:// artifact URIs name it, such as registry.site.lan:5000, got "http://registry.site.lan:5000"',
      'edgefleet:operator.artifactInstallDeadline: must be whole minutes or hours such as 30m or 2h, got "30s"',
    ]);
    expect(problems(operator({ artifactPlainHttpRegistries: "registry.site.lan:5000" }))).toEqual([
      'edgefleet:operator.artifactPlainHttpRegistries: must be a list, got "registry.site.lan:5000"',
    ]);
  });

  it("refuses k3s and kubeconfig together", () => {
    expect(problems({ ...k3s(), "edgefleet:cluster": json({ kubeconfig: "x", k3s: {} }) })).toEqual([
      "edgefleet:cluster: set either k3s (install K3s) or kubeconfig/context/site (adopt a cluster), not both",
    ]);
  });
});
