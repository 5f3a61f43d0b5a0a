import { execFile } from "node:child_process";
import { readdir, readFile, readlink, rm } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { hostProcesses } from "../services/host-processes.js";

const run = promisify(execFile);

/** Mount points at or under `dir`, deepest first, from a mountinfo text (octal escapes decoded). */
export function mountsUnder(mountinfo: string, dir: string): string[] {
  const points = mountinfo
    .split("\n")
    .map((line) => line.split(" ")[4])
    .filter((p): p is string => p !== undefined)
    .map((p) => p.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(Number.parseInt(o, 8))))
    .filter((p) => p === dir || p.startsWith(`${dir}/`));
  return [...new Set(points)].sort((a, b) => b.length - a.length);
}

/** Unmounts everything mounted under `dir` (container root filesystems, network namespaces, volumes). */
export async function unmountUnder(dir: string): Promise<void> {
  for (const point of mountsUnder(await readFile("/proc/self/mountinfo", "utf8"), dir)) {
    // Lazy: a namespace file still held open by a dying process must not keep the directory.
    await run("umount", ["--lazy", point]).catch(() => undefined);
  }
}

/** Where the kubelet links each container's log, whatever its podLogsDir (a fixed path). */
const CONTAINER_LOG_LINKS = "/var/log/containers";

/** Removes the kubelet's links to container logs under `dir`. */
export async function removeLogLinks(dir: string): Promise<void> {
  const names = await readdir(CONTAINER_LOG_LINKS).catch(() => [] as string[]);
  for (const name of names) {
    const link = join(CONTAINER_LOG_LINKS, name);
    const target = await readlink(link).catch(() => "");
    if (target.startsWith(`${dir}/`)) await rm(link, { force: true });
  }
}

/**
 * An iptables-restore script that removes what a real node left in iptables: the rules the CNI
 * plugins added for `network` (bridge masquerading, portmap) with the per-container chains they
 * jump to, which the plugins' DEL would have removed for sandboxes never torn down; and the
 * kubelet's, kube-proxy's and kube-router's KUBE-* chains with the rules that jump to them (one
 * real node per host owns them). `save` is iptables-save's output.
 */
export function iptablesCleanupScript(save: string, network: string): string | undefined {
  const marker = `name: \\"${network}\\"`;
  const out: string[] = [];
  let table = "";
  let ops: string[] = [];
  let chains: string[] = [];
  const flush = () => {
    // Flushing every chain first drops the references between them, so that each can then go.
    if (table && (ops.length || chains.length))
      out.push(`*${table}`, ...ops, ...chains.map((c) => `-F ${c}`), ...chains.map((c) => `-X ${c}`), "COMMIT");
    ops = [];
    chains = [];
  };
  const ours = (chain: string) => chain.startsWith("KUBE-") || chains.includes(chain);
  for (const line of save.split("\n")) {
    if (line.startsWith("*")) {
      flush();
      table = line.slice(1).trim();
    } else if (line.startsWith(":KUBE-")) {
      chains.push(line.slice(1).split(" ")[0] ?? "");
    } else if (line.startsWith("-A ")) {
      const chain = line.split(" ")[1] ?? "";
      const target = /-j (\S+)/.exec(line)?.[1] ?? "";
      const cni = line.includes(marker);
      if (cni && target.startsWith("CNI-") && !target.startsWith("CNI-HOSTPORT-") && !chains.includes(target)) chains.push(target);
      if (!ours(chain) && (cni || target.startsWith("KUBE-"))) ops.push(line.replace(/^-A /, "-D "));
    }
  }
  flush();
  return out.length ? `${out.join("\n")}\n` : undefined;
}

export async function cleanupIptables(network: string): Promise<void> {
  const { stdout } = await run("iptables-save");
  const script = iptablesCleanupScript(stdout, network);
  if (!script) return;
  await new Promise<void>((resolve, reject) => {
    const child = execFile("iptables-restore", ["--noflush"], (err) =>
      err ? reject(new Error(`iptables-restore: ${err.message}`)) : resolve(),
    );
    child.stdin?.end(script);
  });
}

/** A kubelet running on this host, and the --root-dir that says whose real node it is. */
export interface RunningKubelet {
  readonly pid: number;
  readonly rootDir: string;
}

/** The kubelet processes of this host, from each process's command line (argv[0] named kubelet). */
export async function runningKubelets(): Promise<RunningKubelet[]> {
  return (await hostProcesses())
    .filter((p) => p.argv[0]?.split("/").pop() === "kubelet")
    .map((p) => ({
      pid: p.pid,
      rootDir: p.argv.find((a) => a.startsWith("--root-dir="))?.slice("--root-dir=".length) ?? "/var/lib/kubelet",
    }));
}

/**
 * kube-router's ipsets (KUBE-SRC-*, KUBE-DST-*; IPv6 ones prefixed inet6:) among the names
 * `ipset list -n` prints. Nothing else of a real node makes ipsets (kube-proxy runs in iptables mode).
 */
export function kubeIpsetNames(list: string): string[] {
  return list.split("\n").filter((name) => /^(inet6:)?KUBE-/.test(name));
}

/** Destroys kube-router's ipsets; run once no iptables rule refers to them (cleanupIptables). */
export async function destroyKubeIpsets(): Promise<void> {
  const { stdout } = await run("ipset", ["list", "-n"]);
  for (const name of kubeIpsetNames(stdout)) await run("ipset", ["destroy", name]);
}

/** The mangle chain that lets pods reach their node whatever their NetworkPolicies (see allowPodsToNode). */
export const POD_TO_NODE_CHAIN = "KUBE-EDGEFLEET-POD-TO-NODE";

/**
 * Kubernetes lets a pod always reach the node it runs on, whatever its NetworkPolicies; kube-router
 * v2.1.0 admits the node's traffic to pods but polices pods' traffic to the node. Here that matters:
 * the cluster DNS and the API server are processes of the node, at ports no policy of the platform
 * can name. Before the filter table's INPUT (where kube-router's pod chains REJECT every packet
 * without its "a policy admits this" mark, 0x10000), mangle INPUT sets that mark on the pods'
 * packets to the node's own addresses (after kube-proxy's DNAT). Idempotent; a KUBE-* chain, so
 * cleanupIptables removes it with the node.
 */
export async function allowPodsToNode(podSubnet: string): Promise<void> {
  const ipt = (...args: string[]) => run("iptables", ["-w", "-t", "mangle", ...args]);
  await ipt("-N", POD_TO_NODE_CHAIN).catch(() => undefined);
  await ipt("-F", POD_TO_NODE_CHAIN);
  await ipt(
    "-A",
    POD_TO_NODE_CHAIN,
    "-s",
    podSubnet,
    "-m",
    "addrtype",
    "--dst-type",
    "LOCAL",
    "-j",
    "MARK",
    "--set-xmark",
    "0x10000/0x10000",
  );
  await ipt("-C", "INPUT", "-j", POD_TO_NODE_CHAIN).catch(() => ipt("-A", "INPUT", "-j", POD_TO_NODE_CHAIN));
}
