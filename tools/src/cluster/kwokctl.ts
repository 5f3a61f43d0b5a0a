import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { acquireFileLock } from "@edgefleet/kit";
import { KWOK_NODE_ANNOTATION } from "../fleet/nodes.js";
import { kubeconfigPath, kwokWorkdir } from "./paths.js";
import type { Toolchain } from "./toolchain.js";

export interface KwokctlOptions {
  readonly toolchain: Toolchain;
  readonly cluster: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Receives kwokctl's own progress lines. */
  readonly log?: (line: string) => void;
}

export class KwokctlError extends Error {
  override name = "KwokctlError";
}

/** Runs kwokctl with the local platform's work directory; resolves to its stdout. */
export function kwokctl(opts: KwokctlOptions, args: readonly string[]): Promise<string> {
  const env = opts.env ?? process.env;
  return new Promise((resolve, reject) => {
    const child = spawn(opts.toolchain.bin("kwokctl"), args, {
      env: { ...env, KWOK_WORKDIR: kwokWorkdir(env), PATH: `${opts.toolchain.binDir}:${env.PATH ?? ""}` },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let errTail = "";
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
    });
    child.stderr.on("data", (d: Buffer) => {
      const text = d.toString();
      errTail = (errTail + text).slice(-4000);
      for (const line of text.split("\n")) if (line.trim()) opts.log?.(readableLogLine(line));
    });
    child.on("error", (err) => reject(new KwokctlError(`kwokctl ${args.join(" ")}: ${err.message}`)));
    child.on("close", (code) => {
      if (code === 0) resolve(out);
      else reject(new KwokctlError(`kwokctl ${args.join(" ")} exited with ${code}:\n${errTail.trim()}`));
    });
  });
}

/** Whether kwokctl knows the cluster (running or stopped). */
export async function clusterExists(opts: KwokctlOptions): Promise<boolean> {
  const out = await kwokctl(opts, ["get", "clusters"]);
  return out.split("\n").some((l) => l.trim() === opts.cluster);
}

export interface CreateClusterOptions {
  /** Fixed API server port; random when unset. */
  readonly apiserverPort?: number;
}

/**
 * Creates a binary-runtime cluster from the locally built binaries. kwokctl would otherwise
 * download release binaries; a plain path is used as it is.
 */
export async function createCluster(opts: KwokctlOptions, create: CreateClusterOptions = {}): Promise<void> {
  const t = opts.toolchain;
  const args = [
    "create",
    "cluster",
    "--name",
    opts.cluster,
    "--runtime",
    "binary",
    "--kube-apiserver-binary",
    t.bin("kube-apiserver"),
    "--kube-controller-manager-binary",
    t.bin("kube-controller-manager"),
    "--kube-scheduler-binary",
    t.bin("kube-scheduler"),
    "--kwok-controller-binary",
    t.bin("kwok"),
    "--etcd-binary",
    t.bin("etcd"),
    // The control plane's own client QPS limits throttle scheduling of large fleets.
    "--disable-qps-limits",
    ...contextsArgs(opts.env),
    "--wait",
    "120s",
  ];
  if (create.apiserverPort) args.push("--kube-apiserver-port", String(create.apiserverPort));
  const configDir = await mkdtemp(join(tmpdir(), "edgefleet-kwokctl-"));
  try {
    const config = join(configDir, "kwokctl.yaml");
    await writeFile(config, realNodeConfig(opts.cluster, opts.env));
    // kwokctl takes the first free ports of a fixed range without a lock: clusters created at
    // once (test files, several users of one machine) would share an API server port.
    const lock = await acquireFileLock({
      path: join(tmpdir(), "edgefleet-kwokctl-create.lock"),
      timeoutMs: 600_000,
      busy: "another cluster is being created on this machine",
    });
    try {
      await kwokctl(opts, [...args, "--config", config]);
    } finally {
      lock.release();
    }
  } finally {
    await rm(configDir, { recursive: true, force: true });
  }
  if (!existsSync(kubeconfigPath(opts.cluster, opts.env))) {
    throw new KwokctlError(`kwokctl created ${opts.cluster} but wrote no kubeconfig at ${kubeconfigPath(opts.cluster, opts.env)}`);
  }
}

/**
 * The cluster's Service range, as real clusters commonly have it (kube-apiserver's own default is
 * 10.0.0.0/24). Its first address is the `kubernetes` Service's, which pods find in
 * KUBERNETES_SERVICE_HOST.
 */
export const SERVICE_CIDR = "10.96.0.0/16";
export const KUBERNETES_SERVICE_IP = "10.96.0.1";

/**
 * What real kubelets next to the kwok fleet need of the control plane: kwok takes only the Nodes
 * annotated as fake (kwokctl's binary runtime otherwise manages every Node, real kubelets' too),
 * and the API server presents the admin certificate to kubelets for logs and exec. Pods reach the
 * API server through the `kubernetes` Service, whose endpoint is the host's address (the API
 * server binds 0.0.0.0 and advertises the default interface's address, which kwokctl puts in the
 * serving certificate with every other host address); the certificate also needs the Service's
 * IP, which kwokctl does not add. A kwokctl configuration file, not --extra-args: kwokctl v0.8.0
 * indexes its patches wrongly (and panics) when two components get more than one extra argument each.
 */
export function realNodeConfig(cluster: string, env: NodeJS.ProcessEnv | undefined): string {
  const pki = join(kwokWorkdir(env), "clusters", cluster, "pki");
  const arg = (key: string, value: string) => ({ key, value });
  return JSON.stringify({
    apiVersion: "config.kwok.x-k8s.io/v1alpha1",
    kind: "KwokctlConfiguration",
    options: { kubeApiserverCertSANs: [KUBERNETES_SERVICE_IP] },
    componentsPatches: [
      {
        name: "kwok-controller",
        extraArgs: [arg("manage-all-nodes", "false"), arg("manage-nodes-with-annotation-selector", `${KWOK_NODE_ANNOTATION}=fake`)],
      },
      {
        name: "kube-apiserver",
        extraArgs: [
          arg("kubelet-client-certificate", join(pki, "admin.crt")),
          arg("kubelet-client-key", join(pki, "admin.key")),
          // Node names do not resolve here: reach kubelets by their InternalIP.
          arg("kubelet-preferred-address-types", "InternalIP,Hostname"),
          arg("service-cluster-ip-range", SERVICE_CIDR),
        ],
      },
    ],
  });
}

/**
 * kwokctl adds each cluster's context to a kubeconfig (default ~/.kube/config) and removes it on
 * delete. Keep the user's file untouched: contexts go to a file in the state directory, and every
 * cluster also has its own kubeconfig at kubeconfigPath().
 */
function contextsArgs(env: NodeJS.ProcessEnv | undefined): string[] {
  return ["--kubeconfig", join(kwokWorkdir(env), "contexts.kubeconfig")];
}

export async function deleteCluster(opts: KwokctlOptions): Promise<void> {
  await kwokctl(opts, ["delete", "cluster", "--name", opts.cluster, ...contextsArgs(opts.env)]);
}

export async function startCluster(opts: KwokctlOptions): Promise<void> {
  await kwokctl(opts, ["start", "cluster", "--name", opts.cluster, "--wait", "120s"]);
}

/** kwokctl logs JSON; show its message and the cluster or elapsed time, not the source location. */
export function readableLogLine(line: string): string {
  try {
    const entry = JSON.parse(line) as { msg?: string; level?: string; elapsed?: { human?: string }; err?: string };
    if (typeof entry.msg !== "string") return line;
    const extra = [entry.elapsed?.human && `(${entry.elapsed.human})`, entry.err && `: ${entry.err}`].filter(Boolean).join(" ");
    return `${entry.level && entry.level !== "INFO" ? `${entry.level} ` : ""}${entry.msg}${extra ? ` ${extra}` : ""}`;
  } catch {
    return line;
  }
}
