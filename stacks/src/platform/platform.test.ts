import { X509Certificate } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { allCRDs, DEFAULT_RUNTIMES, OPERATOR_NODE_OPTIONS } from "@edgefleet/api";
import { dashboardFiles, ruleFiles } from "@edgefleet/dashboards";
import { parseOptions as parseAgentOptions } from "@edgefleet/edge-agent";
import { parseGatewayOptions } from "@edgefleet/gateway";
import { certificateAuthority, optionsOf, tracingEnabled, tracingProblems, useTempDirs } from "@edgefleet/kit";
import { parseOptions } from "@edgefleet/operator";
import { beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { DEFAULTS } from "../config/parse.js";
import { descendants, type Registered, recordResources } from "../testing/mocks.js";
import { RAPL_READER_GID } from "./agent.js";
import { OTLP_PROTOCOLS, type PlatformArgs } from "./args.js";
import { Platform } from "./platform.js";

const tempDir = useTempDirs("platform-artifact-ca");
let recorder: Awaited<ReturnType<typeof recordResources>>;
beforeAll(async () => {
  recorder = await recordResources();
});

const ARGS: PlatformArgs = {
  ...DEFAULTS,
  namespace: "edgefleet-system",
  site: "factory-a",
  agent: { enabled: true, hardwareClasses: ["jetson-orin", "rpi5-coral"] },
  monitoring: { rulesAs: "ConfigMap", dashboards: true },
};

async function platform(name: string, over: Partial<PlatformArgs> = {}): Promise<Registered[]> {
  new Platform(name, { ...ARGS, ...over });
  return descendants(await recorder.settled(), `edgefleet:Platform::${name}`);
}

const ofType = (rs: readonly Registered[], type: string) => rs.filter((r) => r.type === type);
const WORKLOADS = ["kubernetes:apps/v1:Deployment", "kubernetes:apps/v1:StatefulSet", "kubernetes:apps/v1:DaemonSet"];
const workloadsOf = (rs: readonly Registered[]) => WORKLOADS.flatMap((t) => ofType(rs, t));
const one = (rs: readonly Registered[], type: string, name: string) => {
  const r = rs.find((x) => x.type === type && x.name === name);
  if (!r) throw new Error(`no ${type} ${name} among ${rs.map((x) => `${x.type} ${x.name}`).join(", ")}`);
  return r;
};
type Pod = {
  serviceAccountName?: string;
  automountServiceAccountToken?: boolean;
  securityContext?: { runAsNonRoot?: boolean };
  nodeSelector?: Record<string, string>;
  volumes?: { name: string; hostPath?: { path: string }; secret?: { secretName: string; optional?: boolean } }[];
  containers: {
    name: string;
    args?: string[];
    env?: { name: string; value?: string }[];
    volumeMounts?: { name: string; mountPath: string; readOnly?: boolean }[];
    securityContext?: { readOnlyRootFilesystem?: boolean; allowPrivilegeEscalation?: boolean };
    resources?: { limits?: { memory?: string } };
  }[];
};
const annotationsOf = (r: Registered) =>
  (r.inputs.spec as { template: { metadata: { annotations: Record<string, string> } } }).template.metadata.annotations;
const podOf = (r: Registered) => (r.inputs.spec as { template: { spec: Pod } }).template.spec;

describe("Platform", () => {
  let all: Registered[];
  beforeAll(async () => {
    all = await platform("ef");
  });

  it("deploys the whole platform by default", () => {
    const count = (type: string) => ofType(all, type).length;
    expect({
      namespaces: count("kubernetes:core/v1:Namespace"),
      crds: count("kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition"),
      runtimes: count("kubernetes:edgefleet.io/v1alpha1:EdgeRuntime"),
      deployments: ofType(all, "kubernetes:apps/v1:Deployment")
        .map((d) => (d.inputs.metadata as { name: string }).name)
        .sort(),
      statefulSets: count("kubernetes:apps/v1:StatefulSet"),
      daemonSets: count("kubernetes:apps/v1:DaemonSet"),
      leases: count("kubernetes:coordination.k8s.io/v1:Lease"),
      pdbs: count("kubernetes:policy/v1:PodDisruptionBudget"),
      networkPolicies: count("kubernetes:networking.k8s.io/v1:NetworkPolicy"),
      configMaps: count("kubernetes:core/v1:ConfigMap"),
    }).toEqual({
      namespaces: 1,
      crds: 5,
      runtimes: 4,
      deployments: ["edgefleet-mqtt", "edgefleet-operator"],
      statefulSets: 1,
      daemonSets: 2,
      leases: 1,
      pdbs: 1,
      networkPolicies: 5,
      configMaps: 3,
    });
  });

  it("takes the CRDs and the catalog from the operator's TypeScript, catalog after CRDs", () => {
    for (const crd of allCRDs()) {
      expect(one(all, "kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition", crd.metadata.name).inputs.spec).toEqual(crd.spec);
    }
    for (const runtime of DEFAULT_RUNTIMES) {
      const r = one(all, "kubernetes:edgefleet.io/v1alpha1:EdgeRuntime", `edgeruntime-${runtime.metadata.name}`);
      expect(r.inputs.spec).toEqual(runtime.spec);
      expect(r.dependsOn).toEqual(expect.arrayContaining(allCRDs().map((c) => c.metadata.name)));
    }
  });

  it("starts the operator after its API and Lease exist", () => {
    const operator = one(all, "kubernetes:apps/v1:Deployment", "ef-operator");
    expect(operator.dependsOn).toEqual(expect.arrayContaining(["edgemodels.edgefleet.io", "edgeruntimes.edgefleet.io", "ef-operator"]));
    expect(operator.dependsOn).toContain("edgeruntime-onnx");
  });

  it("starts the operator with flags the operator accepts: all namespaces, its Lease in the platform's", () => {
    const [container] = podOf(one(all, "kubernetes:apps/v1:Deployment", "ef-operator")).containers;
    const expand = (a: string) => a.replace("$(POD_NAMESPACE)", "edgefleet-system").replace("$(POD_NAME)", "ef-operator-0");
    const options = optionsOf(parseOptions((container?.args ?? []).map(expand), {}));
    expect(options).toMatchObject({
      namespace: undefined,
      leaderElectionNamespace: "edgefleet-system",
      leaderElectionId: "edgefleet-operator",
      identity: "ef-operator-0",
      httpAddress: "0.0.0.0:8080",
      // The runtime pods' verify-artifact init container: the agent image of this platform.
      agentImage: "ghcr.io/edgefleet/edge-agent:0.1.0",
      // No Prometheus configured: rollout analysis is off.
      prometheusUrl: undefined,
    });
  });

  it("points the operator's rollout analysis at the configured Prometheus and lets it reach that port", async () => {
    const prometheusUrl = "http://prometheus-operated.monitoring.svc:9090";
    const rs = await platform("ef-analysis", { monitoring: { ...ARGS.monitoring, prometheusUrl } });
    const [container] = podOf(one(rs, "kubernetes:apps/v1:Deployment", "ef-analysis-operator")).containers;
    expect(optionsOf(parseOptions(container?.args ?? [], {})).prometheusUrl).toBe(prometheusUrl);
    const policy = one(rs, "kubernetes:networking.k8s.io/v1:NetworkPolicy", "ef-analysis-edgefleet-operator");
    const egress = (policy.inputs.spec as { egress: { to?: unknown; ports: { port: number }[] }[] }).egress;
    expect(egress.filter((e) => e.to === undefined).flatMap((e) => e.ports.map((p) => p.port))).toEqual([443, 6443, 9090]);
  });

  it("sends the operator's traces to the configured collector, whose port its NetworkPolicy opens", async () => {
    const otel = (rs: readonly Registered[], name: string) => {
      const [container] = podOf(one(rs, "kubernetes:apps/v1:Deployment", name)).containers;
      return Object.fromEntries((container?.env ?? []).filter((e) => e.name.startsWith("OTEL_")).map((e) => [e.name, e.value]));
    };
    // Unset: no OTEL_* variable, so the operator's tracing stays off.
    expect(otel(all, "ef-operator")).toEqual({});
    const otlp = { endpoint: "http://otel-collector.observability.svc:4318", protocol: "http/json" } as const;
    const rs = await platform("ef-traces", { monitoring: { ...ARGS.monitoring, otlp } });
    const env = otel(rs, "ef-traces-operator");
    expect(env).toEqual({ OTEL_EXPORTER_OTLP_ENDPOINT: otlp.endpoint, OTEL_EXPORTER_OTLP_PROTOCOL: "http/json" });
    // What the operator's tracing makes of them: on, and no setting it would refuse.
    expect([tracingEnabled(env), tracingProblems(env)]).toEqual([true, []]);
    const policy = one(rs, "kubernetes:networking.k8s.io/v1:NetworkPolicy", "ef-traces-edgefleet-operator");
    const egress = (policy.inputs.spec as { egress: { to?: unknown; ports: { port: number }[] }[] }).egress;
    expect(egress.filter((e) => e.to === undefined).flatMap((e) => e.ports.map((p) => p.port))).toEqual([443, 6443, 4318]);
  });

  it("caps the operator's V8 heap with the flags its image and benchmark use, under a memory limit with room for the rest", () => {
    const [container] = podOf(one(all, "kubernetes:apps/v1:Deployment", "ef-operator")).containers;
    expect(container?.env?.find((e) => e.name === "NODE_OPTIONS")?.value).toBe(OPERATOR_NODE_OPTIONS);
    const oldSpaceMiB = Number(/--max-old-space-size=(\d+)/.exec(OPERATOR_NODE_OPTIONS)?.[1]);
    const limitMiB = Number(/^(\d+)Mi$/.exec(container?.resources?.limits?.memory ?? "")?.[1]);
    // What is not V8's old space (code, buffers, young generation) was at least 70 MiB at 10,000
    // models: 231 MiB resident with old space capped at 160.
    expect(limitMiB - oldSpaceMiB).toBeGreaterThanOrEqual(128);
  });

  it("passes plain-http registries and the install deadline as flags the operator reads back", async () => {
    const argsOf = (rs: readonly Registered[], name: string) =>
      podOf(one(rs, "kubernetes:apps/v1:Deployment", name)).containers[0]?.args ?? [];
    // The defaults: every registry over HTTPS (an empty flag), the install's own 30m.
    expect(optionsOf(parseOptions(argsOf(all, "ef-operator"), {}))).toMatchObject({
      artifactPlainHttpRegistries: [],
      artifactInstallDeadlineSeconds: 1800,
    });
    const rs = await platform("ef-plain-http", {
      operator: {
        ...ARGS.operator,
        artifactPlainHttpRegistries: ["registry.site.lan:5000", "10.0.0.7:5000"],
        artifactInstallDeadline: "2h",
      },
    });
    expect(optionsOf(parseOptions(argsOf(rs, "ef-plain-http-operator"), {}))).toMatchObject({
      artifactPlainHttpRegistries: ["registry.site.lan:5000", "10.0.0.7:5000"],
      artifactInstallDeadlineSeconds: 7200,
    });
  });

  it("gives the operator the artifact CA bundle as a mounted ConfigMap, its --artifact-ca-bundle, and restarts it when it changes", async () => {
    // Unset: no ConfigMap, no flag; the runtime pods trust the public roots alone.
    expect(ofType(all, "kubernetes:core/v1:ConfigMap").map((r) => r.name)).not.toContain("ef-operator");
    expect(
      optionsOf(parseOptions(podOf(one(all, "kubernetes:apps/v1:Deployment", "ef-operator")).containers[0]?.args ?? [], {}))
        .artifactCaBundle,
    ).toBeUndefined();

    const bundle = (seed: string) => certificateAuthority(seed, "site artifact CA").cert;
    const deploy = async (name: string, artifactCaBundle: string) => {
      const rs = await platform(name, { operator: { ...ARGS.operator, artifactCaBundle } });
      const template = (
        one(rs, "kubernetes:apps/v1:Deployment", `${name}-operator`).inputs.spec as {
          template: {
            metadata: { annotations: Record<string, string> };
            spec: Pod & { volumes: { name: string; configMap?: { name: string } }[] };
          };
        }
      ).template;
      const configMap = one(rs, "kubernetes:core/v1:ConfigMap", `${name}-operator`).inputs as {
        metadata: { name: string; namespace: string };
        data: Record<string, string>;
      };
      return { template, configMap };
    };
    const { template, configMap } = await deploy("ef-artifact-ca", bundle("artifact-ca-seed-1"));
    expect(configMap.metadata).toMatchObject({ name: "edgefleet-operator", namespace: "edgefleet-system" });
    expect(template.spec.volumes).toContainEqual({ name: "artifact-ca", configMap: { name: "edgefleet-operator" } });
    const [container] = template.spec.containers;
    const mount = container?.volumeMounts?.find((m) => m.name === "artifact-ca");
    expect(mount).toMatchObject({ readOnly: true });
    // The flag names the file the mount puts there, and the operator reads it back as the bundle.
    const dir = tempDir();
    for (const [key, text] of Object.entries(configMap.data)) writeFileSync(join(dir, key), text);
    const args = (container?.args ?? []).map((a) => a.replace(mount?.mountPath ?? "", dir));
    expect(optionsOf(parseOptions(args, {})).artifactCaBundle).toBe(bundle("artifact-ca-seed-1"));
    // The operator reads the file at start only: a new bundle changes its pod template.
    const rotated = await deploy("ef-artifact-ca-2", bundle("artifact-ca-seed-2"));
    expect(rotated.template.metadata.annotations["edgefleet.io/config-hash"]).toMatch(/^[0-9a-f]{16}$/);
    expect(rotated.template.metadata.annotations["edgefleet.io/config-hash"]).not.toBe(
      template.metadata.annotations["edgefleet.io/config-hash"],
    );
  });

  it("offers only OTLP protocols the operator's tracing accepts", () => {
    expect(OTLP_PROTOCOLS.flatMap((protocol) => tracingProblems({ OTEL_EXPORTER_OTLP_PROTOCOL: protocol }))).toEqual([]);
  });

  it("starts the gateway with flags the gateway accepts: the broker over TLS with the pod's own identity, its pod name as a stable MQTT client id", () => {
    const gateway = one(all, "kubernetes:apps/v1:StatefulSet", "ef-gateway");
    const [container] = podOf(gateway).containers;
    const options = optionsOf(
      parseGatewayOptions((container?.args ?? []).map((a) => a.replace("$(POD_NAME)", "edgefleet-telemetry-gateway-0"))),
    );
    expect(options).toMatchObject({
      brokerUrl: "mqtts://edgefleet-mqtt.edgefleet-system.svc:8883",
      tls: {
        ca: "/etc/edgefleet/mqtt/ca.crt",
        cert: "/etc/edgefleet/mqtt/edgefleet-telemetry-gateway-0.crt",
        key: "/etc/edgefleet/mqtt/edgefleet-telemetry-gateway-0.key",
      },
      clientId: "edgefleet-telemetry-gateway-0",
      sharedGroup: "edgefleet-gateways",
      httpAddress: "0.0.0.0:8080",
    });
  });

  it("starts one agent DaemonSet per hardware class, on the site's nodes of that class, with flags the agent accepts", () => {
    const daemonSets = ofType(all, "kubernetes:apps/v1:DaemonSet");
    expect(daemonSets.map((d) => (d.inputs.metadata as { name: string }).name).sort()).toEqual([
      "edgefleet-edge-agent-jetson-orin",
      "edgefleet-edge-agent-rpi5-coral",
    ]);
    const selectors = daemonSets.map((d) => JSON.stringify((d.inputs.spec as { selector: unknown }).selector));
    expect(new Set(selectors).size).toBe(2);
    const pod = podOf(one(all, "kubernetes:apps/v1:DaemonSet", "ef-agent-jetson-orin"));
    expect(pod.nodeSelector).toEqual({ "edgefleet.io/hardware-class": "jetson-orin", "edgefleet.io/site": "factory-a" });
    const [container] = pod.containers;
    const options = optionsOf(parseAgentOptions((container?.args ?? []).map((a) => a.replace("$(NODE_NAME)", "orin-07"))));
    expect(options).toMatchObject({
      site: "factory-a",
      node: "orin-07",
      hardwareClass: "jetson-orin",
      // Stated, not detected: the container has no host /dev.
      accelerators: ["nvidia-gpu", "cpu"],
      brokerUrl: "mqtts://edgefleet-mqtt.edgefleet-system.svc:8883",
      tls: { ca: "/etc/edgefleet/mqtt/ca.crt", cert: "/etc/edgefleet/mqtt/tls.crt", key: "/etc/edgefleet/mqtt/tls.key" },
      sysfsRoot: "/host",
      spoolDir: "/var/lib/edgefleet/spool",
      artifactCacheDir: "/var/lib/edgefleet/artifacts",
      httpAddress: "0.0.0.0:8080",
      // It learns its node's runtimes from its assignments topic, and holds no API token.
      runtimeAssignments: true,
    });
    expect([pod.serviceAccountName, pod.automountServiceAccountToken]).toEqual(["edgefleet-edge-agent", false]);
    // The host paths behind those flags: /sys and /proc read-only under the sysfs root, the node's
    // identity read-only, the spool writable and on the host so it outlives the pod, the artifact
    // cache writable to take the refusals runtime pods leave there.
    const hostPaths = Object.fromEntries((pod.volumes ?? []).filter((v) => v.hostPath).map((v) => [v.name, v.hostPath?.path]));
    const mounts = (container?.volumeMounts ?? []).filter((m) => m.name in hostPaths);
    expect(mounts.map((m) => [hostPaths[m.name], m.mountPath, m.readOnly ?? false])).toEqual([
      ["/sys", "/host/sys", true],
      ["/proc", "/host/proc", true],
      ["/etc/edgefleet/mqtt", "/etc/edgefleet/mqtt", true],
      ["/var/lib/edgefleet/spool", "/var/lib/edgefleet/spool", false],
      ["/var/lib/edgefleet/artifacts", "/var/lib/edgefleet/artifacts", false],
    ]);
  });

  it("tells each class's agents their accelerators, and leaves a class it does not know to detection", async () => {
    const accelerators = (rs: readonly Registered[], name: string) => {
      const [container] = podOf(one(rs, "kubernetes:apps/v1:DaemonSet", name)).containers;
      return optionsOf(parseAgentOptions((container?.args ?? []).map((a) => a.replace("$(NODE_NAME)", "node-1")))).accelerators;
    };
    expect(accelerators(all, "ef-agent-rpi5-coral")).toEqual(["edgetpu", "cpu"]);
    const custom = await platform("custom", { agent: { enabled: true, hardwareClasses: ["x86-cpu", "my-fpga"] } });
    expect(accelerators(custom, "custom-agent-x86-cpu")).toEqual(["cpu"]);
    expect(accelerators(custom, "custom-agent-my-fpga")).toBeUndefined();
  });

  it("runs each class's agents with the sensors its hardware has, RAPL's energy counters opened to them alone", async () => {
    const rs = await platform("sensing", { agent: { enabled: true, hardwareClasses: ["jetson-orin", "x86-cpu", "my-fpga"] } });
    type AgentPod = Pod & {
      securityContext?: { runAsNonRoot?: boolean; supplementalGroups?: number[] };
      initContainers?: {
        name: string;
        command: string[];
        securityContext: Record<string, unknown>;
        volumeMounts: { name: string; mountPath: string; readOnly?: boolean }[];
      }[];
    };
    const agent = (cls: string) => {
      const pod = podOf(one(rs, "kubernetes:apps/v1:DaemonSet", `sensing-agent-${cls}`)) as AgentPod;
      const args = (pod.containers[0]?.args ?? []).map((a) => a.replace("$(NODE_NAME)", "node-1"));
      return { pod, sensors: optionsOf(parseAgentOptions(args)).sensors };
    };
    // Power: a Jetson's INA3221 rails; an x86 CPU's RAPL; a class edgefleet does not know gets what needs no privilege.
    expect(agent("jetson-orin").sensors).toEqual(["thermal", "hwmon", "cpu", "memory", "ina3221"]);
    expect(agent("x86-cpu").sensors).toEqual(["thermal", "hwmon", "cpu", "memory", "rapl"]);
    expect(agent("my-fpga").sensors).toEqual(["thermal", "hwmon", "cpu", "memory"]);
    for (const cls of ["jetson-orin", "my-fpga"]) {
      expect(agent(cls).pod.initContainers).toBeUndefined();
      expect(agent(cls).pod.securityContext?.supplementalGroups).toEqual([0]);
    }
    // RAPL: a one-shot step as uid 0 without a single capability gives the files to the agents'
    // group; the agent itself stays non-root, in that group.
    const { pod } = agent("x86-cpu");
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 65532, supplementalGroups: [0, RAPL_READER_GID] });
    const [init] = pod.initContainers ?? [];
    expect(init?.securityContext).toEqual({
      runAsNonRoot: false,
      runAsUser: 0,
      runAsGroup: RAPL_READER_GID,
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ["ALL"] },
    });
    const hostPaths = Object.fromEntries((pod.volumes ?? []).filter((v) => v.hostPath).map((v) => [v.name, v.hostPath?.path]));
    expect(init?.volumeMounts.map((m) => [hostPaths[m.name], m.mountPath, m.readOnly ?? false])).toEqual([
      ["/sys/devices/virtual", "/host/sys/devices/virtual", false],
    ]);
    expect(init?.command.slice(0, 2)).toEqual(["/nodejs/bin/node", "-e"]);
    // The script is valid JavaScript that only changes energy_uj files' group and mode.
    const script = init?.command[2] ?? "";
    expect(() => new Function("require", script)).not.toThrow();
    expect(script.match(/fs\.\w+Sync/g)).toEqual(["fs.readdirSync", "fs.chownSync", "fs.chmodSync", "fs.existsSync"]);
  });

  it("pins every node to the platform's site in the broker's ACL", () => {
    const acl = (one(all, "kubernetes:core/v1:ConfigMap", "ef-broker").inputs.data as { acl: string }).acl;
    expect(acl).toContain("pattern write edgefleet/v1/factory-a/%u/+");
  });

  it("gives the operator least privilege: no wildcards, Secrets created and deleted but never read, Lease by name", () => {
    const clusterRole = one(all, "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole", "ef-operator");
    const rules = clusterRole.inputs.rules as { apiGroups: string[]; resources: string[]; verbs: string[] }[];
    const flat = rules.flatMap((r) => [...r.apiGroups, ...r.resources, ...r.verbs]);
    expect(flat).not.toContain("*");
    // A Shared runtime server's load key: made and deleted, never read back.
    expect(rules.filter((r) => r.resources.includes("secrets"))).toEqual([
      { apiGroups: [""], resources: ["secrets"], verbs: ["create", "delete"] },
    ]);
    const verbs = (resource: string, group = "events.k8s.io") =>
      rules
        .find((r) => r.resources.includes(resource) && (resource !== "events" || r.apiGroups.includes(group)))
        ?.verbs.slice()
        .sort();
    // What the operator's client sends: informers, server-side apply (create or patch), deletes.
    expect({
      edgemodels: verbs("edgemodels"),
      status: verbs("edgemodels/status"),
      daemonsets: verbs("daemonsets"),
      controllerrevisions: verbs("controllerrevisions"),
      nodes: verbs("nodes"),
      events: verbs("events"),
      coreEvents: verbs("events", ""),
    }).toEqual({
      edgemodels: ["list", "patch", "watch"],
      status: ["patch"],
      daemonsets: ["create", "delete", "list", "patch", "watch"],
      controllerrevisions: ["create", "delete", "list", "patch", "watch"],
      nodes: ["list", "watch"],
      events: ["create"],
      coreEvents: ["list", "watch"],
    });
    const role = one(all, "kubernetes:rbac.authorization.k8s.io/v1:Role", "ef-operator");
    expect(role.inputs.rules).toEqual([
      {
        apiGroups: ["coordination.k8s.io"],
        resources: ["leases"],
        resourceNames: ["edgefleet-operator"],
        verbs: ["get", "watch", "update", "patch"],
      },
    ]);
  });

  it("grants the agents nothing on the API server: a ServiceAccount without RBAC or token", () => {
    const grants = [
      ...ofType(all, "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole"),
      ...ofType(all, "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding"),
    ];
    expect(grants.map((g) => g.name).filter((n) => n.includes("agent"))).toEqual([]);
    expect(one(all, "kubernetes:core/v1:ServiceAccount", "ef-agent").inputs.automountServiceAccountToken).toBe(false);
  });

  it("mounts a service-account token only where the API server is talked to: the operator", () => {
    const withToken = workloadsOf(all)
      .filter((w) => podOf(w).automountServiceAccountToken !== false)
      .map((w) => w.name)
      .sort();
    expect(withToken).toEqual(["ef-operator"]);
  });

  it("runs every pod non-root with a read-only root filesystem and resource limits", () => {
    const workloads = workloadsOf(all);
    expect(workloads).toHaveLength(5);
    for (const w of workloads) {
      const pod = podOf(w);
      expect(pod.securityContext?.runAsNonRoot, w.name).toBe(true);
      for (const c of pod.containers) {
        expect(c.securityContext, `${w.name}/${c.name}`).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false });
        expect(Object.keys(c.resources?.limits ?? {}).sort(), `${w.name}/${c.name}`).toEqual(["cpu", "memory"]);
      }
    }
  });

  it("uses the configured registry and version for edgefleet's images", async () => {
    const rs = await platform("ef-images", { registry: "registry.factory.local/edgefleet", version: "1.2.3" });
    const images = workloadsOf(rs).flatMap((w) => podOf(w).containers.map((c) => (c as { image?: string }).image));
    expect(images.sort()).toEqual([
      "eclipse-mosquitto:2.0.20",
      "registry.factory.local/edgefleet/edge-agent:1.2.3",
      "registry.factory.local/edgefleet/edge-agent:1.2.3",
      "registry.factory.local/edgefleet/operator:1.2.3",
      "registry.factory.local/edgefleet/telemetry-gateway:1.2.3",
    ]);
    const [operator] = podOf(one(rs, "kubernetes:apps/v1:Deployment", "ef-images-operator")).containers;
    expect(optionsOf(parseOptions(operator?.args ?? [], {})).agentImage).toBe("registry.factory.local/edgefleet/edge-agent:1.2.3");
  });

  it("runs the broker from broker.image, edgefleet's registry and version aside", async () => {
    const rs = await platform("ef-broker-image", {
      registry: "registry.factory.local/edgefleet",
      broker: { ...ARGS.broker, image: "registry.factory.local/edgefleet/mosquitto:0.1.0" },
    });
    const [mosquitto] = podOf(one(rs, "kubernetes:apps/v1:Deployment", "ef-broker-image-broker")).containers;
    expect((mosquitto as { image?: string } | undefined)?.image).toBe("registry.factory.local/edgefleet/mosquitto:0.1.0");
  });

  it("leaves out what is switched off, and the policies for it", async () => {
    const rs = await platform("ef-min", {
      catalog: false,
      gateway: { ...ARGS.gateway, enabled: false },
      broker: { ...ARGS.broker, enabled: false },
      agent: { enabled: false, hardwareClasses: [] },
      monitoring: { rulesAs: "ConfigMap", dashboards: false },
    });
    expect(ofType(rs, "kubernetes:edgefleet.io/v1alpha1:EdgeRuntime")).toEqual([]);
    expect(ofType(rs, "kubernetes:apps/v1:Deployment").map((d) => d.name)).toEqual(["ef-min-operator"]);
    expect(ofType(rs, "kubernetes:apps/v1:DaemonSet")).toEqual([]);
    expect(ofType(rs, "kubernetes:apps/v1:StatefulSet")).toEqual([]);
    expect(
      ofType(rs, "kubernetes:networking.k8s.io/v1:NetworkPolicy")
        .map((p) => p.name)
        .sort(),
    ).toEqual(["ef-min-default-deny", "ef-min-edgefleet-operator"]);
    expect(ofType(rs, "kubernetes:core/v1:ConfigMap").map((c) => c.name)).toEqual(["ef-min-monitoring"]);
  });

  it("writes the SRE kit's rules as a PrometheusRule when the cluster runs the Prometheus Operator", async () => {
    const rs = await platform("ef-prom", { monitoring: { rulesAs: "PrometheusRule", dashboards: true } });
    const rule = one(rs, "kubernetes:monitoring.coreos.com/v1:PrometheusRule", "ef-prom-monitoring");
    expect(rule.inputs.spec).toEqual({ groups: ruleFiles().flatMap((f) => f.groups) });
    const dashboards = one(rs, "kubernetes:core/v1:ConfigMap", "ef-prom-monitoring-dashboards");
    expect((dashboards.inputs.metadata as { labels: Record<string, string> }).labels.grafana_dashboard).toBe("1");
    expect(dashboards.inputs.data).toEqual(dashboardFiles());
  });

  it("otherwise ships the kit's rule files as they are, one ConfigMap key each", () => {
    const rules = one(all, "kubernetes:core/v1:ConfigMap", "ef-monitoring");
    const data = rules.inputs.data as Record<string, string>;
    expect(Object.keys(data).sort()).toEqual(ruleFiles().map((f) => `edgefleet-${f.name}`));
    for (const f of ruleFiles()) expect(parse(data[`edgefleet-${f.name}`] ?? "")).toEqual({ groups: f.groups });
  });

  it("keeps a single operator replica drainable", async () => {
    const rs = await platform("ef-one", { operator: { replicas: 1, logLevel: "info" } });
    expect(one(rs, "kubernetes:policy/v1:PodDisruptionBudget", "ef-one-operator").inputs.spec).toMatchObject({ maxUnavailable: 1 });
  });

  it("rolls the broker, gateway and operator onto renewed certificates: the window's start on their pod templates", async () => {
    const rs = await platform("ef-renew", { mqttCertificatesSince: "2026-11-30T00:00:00.000Z" });
    for (const [type, name] of [
      ["kubernetes:apps/v1:Deployment", "ef-renew-broker"],
      ["kubernetes:apps/v1:StatefulSet", "ef-renew-gateway"],
      ["kubernetes:apps/v1:Deployment", "ef-renew-operator"],
    ] as const) {
      expect(annotationsOf(one(rs, type, name))["edgefleet.io/mqtt-certificates"], name).toBe("2026-11-30T00:00:00.000Z");
    }
  });

  it("with the site's MQTT CA, issues the broker's certificate, the operator's, each gateway replica's and the retire command's into secret Secrets", async () => {
    const ca = certificateAuthority("0123456789abcdef0123456789abcdef");
    const crl = ca.revocationList([{ cn: "pi-0", generation: 0 }]);
    const rs = await platform("ef-pki", {
      mqttCa: ca,
      mqttRevocationList: crl,
      mqttNodes: ["pi-1"],
      gateway: { enabled: true, replicas: 2, mqttClientSecret: "gw" },
    });
    // The broker enforces the list and admits only the stack's nodes.
    const brokerConfig = one(rs, "kubernetes:core/v1:ConfigMap", "ef-pki-broker").inputs.data as Record<string, string>;
    expect(brokerConfig["crl.pem"]).toBe(crl);
    expect(brokerConfig.acl).toContain("user pi-1\n");
    expect(brokerConfig.acl).not.toContain("pattern write");
    const secret = (name: string, type: string) => {
      const s = one(rs, "kubernetes:core/v1:Secret", name);
      expect(s.inputs.type).toBe(type);
      expect(s.secretPaths).toContain("stringData");
      const data = s.inputs.stringData as Record<string, string>;
      expect(data["ca.crt"]).toBe(ca.cert);
      return data;
    };
    const cert = (pem: string | undefined) => new X509Certificate(pem ?? "");
    const broker = cert(secret("ef-pki-broker", "kubernetes.io/tls")["tls.crt"]);
    expect(broker.subjectAltName).toBe("DNS:edgefleet-mqtt.edgefleet-system.svc, DNS:edgefleet-mqtt.edgefleet-system.svc.cluster.local");
    const gateway = secret("ef-pki-gateway", "Opaque");
    // One identity per replica, named for its pod (what its --tls-cert reads), and the retire command's.
    expect(Object.keys(gateway).sort()).toEqual([
      "ca.crt",
      "edgefleet-telemetry-gateway-0.crt",
      "edgefleet-telemetry-gateway-0.key",
      "edgefleet-telemetry-gateway-1.crt",
      "edgefleet-telemetry-gateway-1.key",
      "retire.crt",
      "retire.key",
    ]);
    expect(cert(gateway["edgefleet-telemetry-gateway-1.crt"]).subject).toContain("CN=edgefleet-telemetry-gateway-1");
    expect(cert(gateway["retire.crt"]).subject).toContain("CN=edgefleet-gateway-retire");
    // No renewal window given: nothing rolls on one (the program passes mqttCa's window).
    expect(annotationsOf(one(rs, "kubernetes:apps/v1:Deployment", "ef-pki-operator"))).not.toHaveProperty("edgefleet.io/mqtt-certificates");
    // The operator's identity, in the Secret its Deployment mounts for --mqtt-tls-cert.
    expect(cert(secret("ef-pki-operator-mqtt", "kubernetes.io/tls")["tls.crt"]).subject).toContain("CN=edgefleet-operator");
    const operator = podOf(one(rs, "kubernetes:apps/v1:Deployment", "ef-pki-operator"));
    expect(operator.volumes?.find((v) => v.name === "mqtt-identity")?.secret).toEqual({
      secretName: "edgefleet-operator-mqtt",
      optional: true,
    });
    expect(operator.containers[0]?.args).toEqual(
      expect.arrayContaining([
        "--mqtt-url=mqtts://edgefleet-mqtt.edgefleet-system.svc:8883",
        "--mqtt-tls-cert=/etc/edgefleet/mqtt/tls.crt",
      ]),
    );
    expect(one(rs, "kubernetes:apps/v1:Deployment", "ef-pki-broker").dependsOn).toContain("ef-pki-broker");
    // Without a CA the Secrets are made outside Pulumi.
    expect(ofType(all, "kubernetes:core/v1:Secret")).toEqual([]);
  });
});
