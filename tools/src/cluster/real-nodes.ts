import { execFile } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { networkInterfaces, tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { acquireFileLock } from "@edgefleet/kit";
import { CoreV1Api, DiscoveryV1Api, type KubeConfig, PatchStrategy, setHeaderOptions, type V1Node } from "@kubernetes/client-node";
import { LABELS } from "../fleet/nodes.js";
import type { FleetProfile } from "../fleet/profile.js";
import { hostProcesses, killProcessesNaming } from "../services/host-processes.js";
import { freePort } from "../services/ports.js";
import { corefile, corefileListeners, KUBE_DNS_SERVICE, kubeDnsObjects, kubeDnsSliceName } from "./cluster-dns.js";
import { type Daemon, daemonPid, startDaemon, stopDaemon } from "./daemon.js";
import { KUBERNETES_SERVICE_IP, SERVICE_CIDR } from "./kwokctl.js";
import { buildOciArchive } from "./oci-image.js";
import { kubeconfigPath, kwokWorkdir, realNodesDir } from "./paths.js";
import {
  CNI_BIN_DIR,
  cniConfig,
  containerdConfig,
  kubeletConfig,
  kubeProxyConfig,
  type RealNodeLayout,
  realNodeLayout,
  SANDBOX_IMAGE,
} from "./real-node-config.js";
import { allowPodsToNode, cleanupIptables, destroyKubeIpsets, removeLogLinks, runningKubelets, unmountUnder } from "./real-node-host.js";
import { isReady } from "./state.js";
import type { Toolchain } from "./toolchain.js";

const run = promisify(execFile);

/** The hardware class real nodes join as: this host is an amd64 machine without an accelerator. */
export const REAL_NODE_CLASS = "x86-cpu";
/** Label on every real node (kwok fleet nodes never have it). */
export const REAL_NODE_LABEL = "edgefleet.io/real-node";
/**
 * One real node per host: every kubelet would own the host's kubepods cgroups, its OOM and
 * eviction view of the whole machine, and kube-proxy the host's iptables (see docs/local-platform.md).
 */
export const MAX_REAL_NODES = 1;

const SSA = setHeaderOptions("Content-Type", PatchStrategy.ServerSideApply);

export interface RealNodesOptions {
  readonly toolchain: Toolchain;
  readonly cluster: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly log?: (line: string) => void;
}

export function realNodeName(index: number): string {
  return `${REAL_NODE_CLASS}-real-${index + 1}`;
}

/** Layouts of the real nodes that exist on disk for the cluster (started or stopped). */
export function existingRealNodes(o: Pick<RealNodesOptions, "cluster" | "env">): RealNodeLayout[] {
  const dir = realNodesDir(o.cluster, o.env);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => /^.+-real-\d+$/.test(name))
    .sort()
    .map((name) => realNodeLayout(dir, o.cluster, name, Number(name.slice(name.lastIndexOf("-") + 1)) - 1));
}

interface RealNodeDaemons {
  readonly containerd: Daemon;
  readonly kubelet: Daemon;
  readonly kubeProxy: Daemon;
  /** The cluster DNS, on the host like the others (see cluster-dns.ts). */
  readonly coredns: Daemon;
  /** kube-router's network-policy controller alone: it enforces NetworkPolicies, which the bridge CNI plugin does not. */
  readonly kubeRouter: Daemon;
}

function daemons(o: RealNodesOptions, l: RealNodeLayout): RealNodeDaemons {
  const env = { ...(o.env ?? process.env), PATH: `${o.toolchain.binDir}:/usr/sbin:/sbin:${(o.env ?? process.env).PATH ?? ""}` };
  const d = (name: string, command: string, args: string[]): Daemon => ({
    name,
    command,
    args,
    env,
    logFile: join(l.dir, "logs", `${name}.log`),
    pidFile: join(l.dir, "pids", `${name}.pid`),
  });
  const kubeconfig = kubeconfigPath(o.cluster, o.env);
  return {
    containerd: d("containerd", o.toolchain.bin("containerd"), ["--config", join(l.dir, "containerd.toml")]),
    kubelet: d("kubelet", o.toolchain.bin("kubelet"), [
      `--config=${join(l.dir, "kubelet.yaml")}`,
      // The cluster's admin credentials, which the API server's Node authorizer does not limit.
      `--kubeconfig=${kubeconfig}`,
      `--root-dir=${join(l.dir, "kubelet")}`,
      `--cert-dir=${join(l.dir, "kubelet", "pki")}`,
      `--hostname-override=${l.name}`,
      `--node-ip=${hostIp()}`,
      `--node-labels=${REAL_NODE_LABEL}=true`,
    ]),
    kubeProxy: d("kube-proxy", o.toolchain.bin("kube-proxy"), [`--config=${join(l.dir, "kube-proxy.yaml")}`]),
    coredns: d("coredns", o.toolchain.bin("coredns-edgefleet"), ["-conf", join(l.dir, "Corefile")]),
    kubeRouter: d("kube-router", o.toolchain.bin("kube-router"), [
      // Routes are the bridge's and Services kube-proxy's: only the firewall, in iptables and ipsets.
      "--run-firewall=true",
      "--run-router=false",
      "--run-service-proxy=false",
      `--kubeconfig=${kubeconfig}`,
      // Which pods are local: those whose hostIP is this Node's InternalIP.
      `--hostname-override=${l.name}`,
      // Traffic to Service addresses is left to kube-proxy's rules.
      `--service-cluster-ip-range=${SERVICE_CIDR}`,
      // Its health server would take a fixed port (20244) and tells only whether its loop runs.
      "--health-port=0",
    ]),
  };
}

/** The host's first non-loopback IPv4 address: the node's InternalIP, which pods reach it by. */
export function hostIp(): string {
  for (const addrs of Object.values(networkInterfaces())) {
    for (const a of addrs ?? []) if (a.family === "IPv4" && !a.internal) return a.address;
  }
  throw new Error("no non-loopback IPv4 address on this host for the real node's InternalIP");
}

/** Fails with the fix when the host lacks what a real node needs. */
export function checkRealNodeHost(): { runc: string } {
  if (process.getuid?.() !== 0)
    throw new Error("real nodes need root (containerd, the kubelet, kube-proxy and kube-router manage mounts, cgroups and iptables)");
  const runc = ["/usr/sbin/runc", "/usr/bin/runc"].find((p) => existsSync(p));
  const missing = [
    runc ? undefined : "runc",
    ...["bridge", "host-local", "portmap", "loopback"].map((p) => (existsSync(join(CNI_BIN_DIR, p)) ? undefined : `CNI plugin ${p}`)),
    ["/usr/sbin/iptables", "/sbin/iptables"].some((p) => existsSync(p)) ? undefined : "iptables",
    ["/usr/sbin/ipset", "/sbin/ipset"].some((p) => existsSync(p)) ? undefined : "ipset",
  ].filter(Boolean);
  if (missing.length || !runc)
    throw new Error(
      `real nodes need ${missing.join(", ")}: run tools/edgefleet setup (Debian packages runc, containernetworking-plugins, iptables, ipset)`,
    );
  return { runc };
}

/** Refuses clusters whose kwok controller takes every Node (created before real nodes existed). */
export function checkKwokSelector(cluster: string, env?: NodeJS.ProcessEnv): void {
  const config = join(kwokWorkdir(env), "clusters", cluster, "kwok.yaml");
  if (!readFileSync(config, "utf8").includes("--manage-nodes-with-annotation-selector=")) {
    throw new Error(
      `cluster ${cluster} was created before real nodes were supported: its kwok controller would take them over. Recreate it: tools/edgefleet cluster delete --name ${cluster}, then start with --real-nodes`,
    );
  }
}

/** Refuses clusters made before the Service range and certificate that pods' DNS and API access need. */
async function checkServiceRange(kc: KubeConfig, cluster: string): Promise<void> {
  const ip = (await kc.makeApiClient(CoreV1Api).readNamespacedService({ name: "kubernetes", namespace: "default" })).spec?.clusterIP;
  if (ip !== KUBERNETES_SERVICE_IP) {
    throw new Error(
      `cluster ${cluster} was created before real nodes had cluster DNS: its kubernetes Service is ${ip}, not ${KUBERNETES_SERVICE_IP}, and its certificate lacks that address. Recreate it: tools/edgefleet cluster delete --name ${cluster}, then start with --real-nodes`,
    );
  }
}

/** containerd's own client, on the node's socket, in the Kubernetes namespace. */
async function ctr(o: RealNodesOptions, l: RealNodeLayout, args: string[]): Promise<string> {
  const { stdout } = await run(o.toolchain.bin("ctr"), ["--address", l.containerdSocket, "--namespace", "k8s.io", ...args], {
    maxBuffer: 16 * 1024 * 1024,
  });
  return stdout;
}

async function waitFor(what: string, timeoutMs: number, check: () => Promise<boolean>, hint: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`${what} within ${timeoutMs / 1000}s; ${hint}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/**
 * Starts (or resumes) `count` real nodes next to the kwok fleet and removes real nodes beyond it:
 * containerd, a kubelet joined to the cluster and kube-proxy for each, labelled as REAL_NODE_CLASS
 * with the profile's labels for that class. Resolves once every node is Ready.
 */
export async function startRealNodes(o: RealNodesOptions, kc: KubeConfig, profile: FleetProfile, count: number): Promise<RealNodeLayout[]> {
  if (count > MAX_REAL_NODES)
    throw new Error(`--real-nodes ${count}: at most ${MAX_REAL_NODES} real node per host (see docs/local-platform.md, Real nodes)`);
  for (const l of existingRealNodes(o).slice(count)) await deleteRealNode(o, l, kc);
  if (count === 0) return [];
  const { runc } = checkRealNodeHost();
  checkKwokSelector(o.cluster, o.env);
  await checkServiceRange(kc, o.cluster);
  const layouts = Array.from({ length: count }, (_, i) => realNodeLayout(realNodesDir(o.cluster, o.env), o.cluster, realNodeName(i), i));
  // Checked and started under a host-wide lock, so two clusters starting at once cannot both pass.
  const lock = await acquireFileLock({
    path: join(tmpdir(), "edgefleet-real-node-start.lock"),
    timeoutMs: 600_000,
    busy: "another real node is being started on this machine",
  });
  try {
    await hostFree(layouts);
    for (const l of layouts) await startRealNode(o, l, kc, profile, runc);
  } finally {
    lock.release();
  }
  return layouts;
}

/**
 * Refuses to start while another cluster's real node runs on this host: a second kubelet would
 * take the same kubepods cgroups and evict by the same host-wide view, a second kube-proxy
 * rewrite the same iptables chains (pods of both get killed), and a deleted node's
 * kube-proxy --cleanup removes every KUBE- rule of the host.
 */
async function hostFree(mine: readonly RealNodeLayout[]): Promise<void> {
  const other = (await runningKubelets()).find((k) => !mine.some((l) => k.rootDir.startsWith(`${l.dir}/`)));
  if (other)
    throw new Error(
      `another real node runs on this host (kubelet pid ${other.pid}, state ${other.rootDir}); a host runs one real node: stop or delete that cluster first (tools/edgefleet cluster stop|delete --name NAME)`,
    );
}

async function startRealNode(o: RealNodesOptions, l: RealNodeLayout, kc: KubeConfig, profile: FleetProfile, runc: string): Promise<void> {
  const started = Date.now();
  const ca = join(kwokWorkdir(o.env), "clusters", o.cluster, "pki", "ca.crt");
  for (const sub of ["cni/net.d", "logs", "pids", "kubelet"]) mkdirSync(join(l.dir, sub), { recursive: true });
  writeFileSync(join(l.dir, "containerd.toml"), containerdConfig(l, runc));
  writeFileSync(join(l.dir, "cni", "net.d", "10-edgefleet.conflist"), cniConfig(l));
  writeFileSync(join(l.dir, "kubelet.yaml"), kubeletConfig(l, { caFile: ca, port: await freePort(), healthzPort: await freePort() }));
  writeFileSync(
    join(l.dir, "kube-proxy.yaml"),
    kubeProxyConfig(l, { kubeconfig: kubeconfigPath(o.cluster, o.env), metricsPort: await freePort(), healthzPort: await freePort() }),
  );
  const d = daemons(o, l);
  const api = kc.makeApiClient(CoreV1Api);
  const dnsReadyPort = await startClusterDns(o, l, d.coredns, kc);
  await startContainerd(o, l, d.containerd);
  await importSandboxImage(o, l);
  startDaemon(d.kubelet);
  startDaemon(d.kubeProxy);
  await waitFor(
    `real node ${l.name} did not register`,
    60_000,
    async () => {
      await api.readNode({ name: l.name });
      return true;
    },
    `see ${d.kubelet.logFile}`,
  );
  // It reads its Node's addresses once, at start: only once the kubelet has registered it.
  startDaemon(d.kubeRouter);
  await allowPodsToNode(l.podSubnet);
  await labelRealNode(api, l.name, profile);
  await waitFor(
    `real node ${l.name} did not become Ready`,
    60_000,
    async () => isReady(await api.readNode({ name: l.name })),
    `see ${d.kubelet.logFile} and ${d.containerd.logFile}`,
  );
  // The kubernetes plugin syncs in about a second: by now it has, unless something is wrong.
  await waitFor(
    `CoreDNS of ${l.name} did not become ready`,
    30_000,
    async () => (await fetch(`http://127.0.0.1:${dnsReadyPort}/ready`, { signal: AbortSignal.timeout(1_000) })).ok,
    `see ${d.coredns.logFile}`,
  );
  // Its first sync hooks its chain into FORWARD; until then pods' traffic would pass unchecked.
  await waitFor(
    `kube-router of ${l.name} did not set up its iptables chains`,
    30_000,
    async () => (await run("iptables", ["-S", "FORWARD"])).stdout.includes("-j KUBE-ROUTER-FORWARD"),
    `see ${d.kubeRouter.logFile}`,
  );
  o.log?.(`real node ${l.name} Ready in ${((Date.now() - started) / 1000).toFixed(1)}s (pods ${l.podSubnet}, state ${l.dir})`);
}

/**
 * Starts the node's CoreDNS on a free port of the host address (the node's InternalIP, which
 * pods reach) and points the kube-dns Service at it. Resolves to the port of its readiness check.
 */
async function startClusterDns(o: RealNodesOptions, l: RealNodeLayout, coredns: Daemon, kc: KubeConfig): Promise<number> {
  const path = join(l.dir, "Corefile");
  // A running CoreDNS keeps its Corefile (the reload plugin would pick up a rewrite) and port.
  if (!daemonPid(coredns)) {
    const ports = { port: await freePort(), healthPort: await freePort(), readyPort: await freePort() };
    writeFileSync(path, corefile({ address: hostIp(), ...ports, kubeconfig: kubeconfigPath(o.cluster, o.env) }));
    startDaemon(coredns);
  }
  const { address, port, readyPort } = corefileListeners(readFileSync(path, "utf8"));
  const { service, slice } = kubeDnsObjects(l.name, address, port);
  const ssa = { fieldManager: "edgefleet-real-node", force: true };
  await kc.makeApiClient(CoreV1Api).patchNamespacedService({ ...KUBE_DNS_SERVICE, body: service, ...ssa }, SSA);
  await kc
    .makeApiClient(DiscoveryV1Api)
    .patchNamespacedEndpointSlice({ name: kubeDnsSliceName(l.name), namespace: KUBE_DNS_SERVICE.namespace, body: slice, ...ssa }, SSA);
  return readyPort;
}

async function startContainerd(o: RealNodesOptions, l: RealNodeLayout, containerd: Daemon): Promise<void> {
  startDaemon(containerd);
  await waitFor(
    `containerd of ${l.name} did not answer`,
    30_000,
    async () => {
      await ctr(o, l, ["version"]);
      return true;
    },
    `see ${containerd.logFile}`,
  );
}

/** The sandbox image, assembled once from the toolchain's static pause binary and imported. */
async function importSandboxImage(o: RealNodesOptions, l: RealNodeLayout): Promise<void> {
  if ((await ctr(o, l, ["images", "ls", "-q"])).split("\n").includes(SANDBOX_IMAGE)) return;
  const archive = join(l.dir, "pause.oci.tar");
  const rootfs = join(l.dir, "pause-rootfs");
  mkdirSync(rootfs, { recursive: true });
  writeFileSync(join(rootfs, "pause"), readFileSync(o.toolchain.bin("pause")), { mode: 0o755 });
  await buildOciArchive({ name: SANDBOX_IMAGE, rootfs, entrypoint: ["/pause"] }, archive);
  rmSync(rootfs, { recursive: true, force: true });
  await ctr(o, l, ["images", "import", archive]);
}

/**
 * The fleet's labels of REAL_NODE_CLASS, put on by the API (the kubelet may not set
 * *.kubernetes.io labels on itself); no fleet-profile label, so fleet reconciles leave it alone.
 */
async function labelRealNode(api: CoreV1Api, name: string, profile: FleetProfile): Promise<void> {
  const cls = profile.classes.find((c) => c.name === REAL_NODE_CLASS);
  const site = profile.sites[0];
  const labels: Record<string, string> = {
    ...(cls?.labels ?? {}),
    [LABELS.hardwareClass]: REAL_NODE_CLASS,
    [LABELS.accelerator]: cls?.accelerator ?? "none",
    ...(site ? { [LABELS.site]: site.name, "topology.kubernetes.io/region": site.region, "topology.kubernetes.io/zone": site.zone } : {}),
  };
  await api.patchNode(
    { name, body: { apiVersion: "v1", kind: "Node", metadata: { name, labels } }, fieldManager: "edgefleet-real-node", force: true },
    SSA,
  );
}

/**
 * Stops a real node as a machine shutdown would: kubelet and kube-proxy, then every container,
 * then containerd. Its state stays; the next start resumes it and the kubelet recreates the pods.
 */
async function stopRealNode(o: RealNodesOptions, l: RealNodeLayout): Promise<void> {
  const d = daemons(o, l);
  await stopDaemon(d.kubelet);
  await stopDaemon(d.kubeProxy);
  await stopDaemon(d.kubeRouter);
  await stopDaemon(d.coredns);
  // Containers outlive a containerd that died or was killed: start it again to stop them.
  if (!daemonPid(d.containerd) && (await shimsOf(l)).length > 0) await startContainerd(o, l, d.containerd);
  if (daemonPid(d.containerd)) {
    const tasks = (await ctr(o, l, ["tasks", "ls", "-q"]).catch(() => "")).split("\n").filter(Boolean);
    for (const t of tasks) await ctr(o, l, ["tasks", "kill", "--signal", "SIGKILL", t]).catch(() => undefined);
    await waitFor(
      `containers of ${l.name} did not stop`,
      15_000,
      async () => {
        const out = await ctr(o, l, ["tasks", "ls"]);
        return !/RUNNING|PAUSED/.test(out);
      },
      "stopping containerd anyway",
    ).catch((err: Error) => o.log?.(err.message));
  }
  await stopDaemon(d.containerd);
}

/** Pids of containerd shims serving the node's containerd (they name its socket on their command line). */
async function shimsOf(l: RealNodeLayout): Promise<number[]> {
  return (await hostProcesses())
    .filter((p) => p.argv[0]?.endsWith("containerd-shim-runc-v2") && p.argv.includes(l.containerdSocket))
    .map((p) => p.pid);
}

export async function stopRealNodes(o: RealNodesOptions): Promise<void> {
  for (const l of existingRealNodes(o)) await stopRealNode(o, l);
}

/**
 * Stops a real node and removes everything it left on the host: mounts (container root
 * filesystems, network namespaces, volumes), its bridge, its CNI and kube-proxy iptables rules,
 * and its directory; the Node object too while the API server answers.
 */
async function deleteRealNode(o: RealNodesOptions, l: RealNodeLayout, kc?: KubeConfig): Promise<void> {
  // Every step runs even when one before it failed, so that one failure leaves the least behind.
  const failures: string[] = [];
  const step = async (what: string, fn: () => Promise<unknown>) => {
    await fn().catch((err: Error) => failures.push(`${what}: ${err.message}`));
  };
  await step("stopping its processes", () => stopRealNode(o, l));
  // What the stop left running from the node's directory (a shim whose task outlived containerd on
  // a loaded host, a kubelet's `du` of a volume) would hold mounts busy and outlive the node.
  await step("killing what still runs from its directory", async () => {
    const killed = await killProcessesNaming(l.dir);
    if (killed.length) o.log?.(`real node ${l.name}: killed ${killed.length} process(es) its stop left: ${killed.join(", ")}`);
  });
  await step("kube-proxy --cleanup", () => run(o.toolchain.bin("kube-proxy"), ["--cleanup"]));
  // Also kube-router's KUBE-ROUTER-*, KUBE-POD-FW-* and KUBE-NWPLCY-* chains: its own
  // --cleanup-config does nothing for them in v2.1.0 (fixed upstream in v2.1.1, which the module proxy lacks).
  await step("removing iptables rules", () => cleanupIptables(l.network));
  await step("destroying kube-router's ipsets", () => destroyKubeIpsets());
  await step("unmounting", () => unmountUnder(l.dir));
  await step("removing container log links", () => removeLogLinks(l.dir));
  const links = (await run("ip", ["-o", "link", "show"])).stdout;
  if (links.includes(` ${l.bridge}:`)) await step(`deleting bridge ${l.bridge}`, () => run("ip", ["link", "delete", l.bridge]));
  await step(`removing ${l.dir}`, async () => rmSync(l.dir, { recursive: true, force: true }));
  if (kc) {
    await kc
      .makeApiClient(CoreV1Api)
      .deleteNode({ name: l.name })
      .catch(() => undefined);
    await kc
      .makeApiClient(DiscoveryV1Api)
      .deleteNamespacedEndpointSlice({ name: kubeDnsSliceName(l.name), namespace: KUBE_DNS_SERVICE.namespace })
      .catch(() => undefined);
  }
  if (failures.length) throw new Error(`real node ${l.name} not fully deleted:\n  ${failures.join("\n  ")}`);
  o.log?.(`real node ${l.name} deleted`);
}

export async function deleteRealNodes(o: RealNodesOptions, kc?: KubeConfig): Promise<void> {
  for (const l of existingRealNodes(o)) await deleteRealNode(o, l, kc);
  rmSync(realNodesDir(o.cluster, o.env), { recursive: true, force: true });
}

export interface RealNodeStatus {
  readonly name: string;
  readonly ready: boolean | undefined;
  readonly processes: Record<string, number | undefined>;
  readonly podSubnet: string;
  readonly dir: string;
}

/** Each real node's processes (pids or undefined) and, when the API server answers, readiness. */
export async function realNodeStatus(o: RealNodesOptions, kc?: KubeConfig): Promise<RealNodeStatus[]> {
  const api = kc?.makeApiClient(CoreV1Api);
  return Promise.all(
    existingRealNodes(o).map(async (l) => {
      const d = daemons(o, l);
      const node: V1Node | undefined = await api?.readNode({ name: l.name }).catch(() => undefined);
      return {
        name: l.name,
        ready: node ? isReady(node) : undefined,
        processes: {
          containerd: daemonPid(d.containerd),
          kubelet: daemonPid(d.kubelet),
          "kube-proxy": daemonPid(d.kubeProxy),
          coredns: daemonPid(d.coredns),
          "kube-router": daemonPid(d.kubeRouter),
        },
        podSubnet: l.podSubnet,
        dir: l.dir,
      };
    }),
  );
}

/**
 * Imports image archives (OCI image layouts or `docker save` archives, as tar files) into the
 * containerd of every real node of the cluster, where the kubelet finds them without a pull
 * (give pods imagePullPolicy IfNotPresent or Never). Resolves to the names imported.
 */
export async function loadImageArchives(o: RealNodesOptions, archives: readonly string[]): Promise<string[]> {
  const nodes = existingRealNodes(o).filter((l) => daemonPid(daemons(o, l).containerd));
  if (nodes.length === 0)
    throw new Error(`cluster ${o.cluster} has no running real node: start it with tools/edgefleet cluster start --real-nodes 1`);
  const names = new Set<string>();
  for (const l of nodes) {
    for (const archive of archives) {
      if (!existsSync(archive)) throw new Error(`image archive ${archive} does not exist`);
      const out = await ctr(o, l, ["images", "import", archive]).catch((err: Error & { stderr?: string }) => {
        throw new Error(`importing ${archive} into ${l.name}: ${err.stderr?.trim() || err.message}`);
      });
      // ctr prints "NAME<tab>saved" per image it stored.
      for (const m of out.matchAll(/^(\S+)\s+saved\b/gm)) if (m[1]) names.add(m[1]);
    }
  }
  return [...names];
}
