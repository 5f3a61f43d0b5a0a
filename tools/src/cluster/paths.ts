import { homedir } from "node:os";
import { join } from "node:path";

/** Where the local platform keeps running state (clusters, Pulumi state): never inside the repo. */
export function stateDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.EDGEFLEET_STATE_DIR ?? join(env.XDG_STATE_HOME ?? join(homedir(), ".local", "state"), "edgefleet");
}

/** Where built toolchain binaries are cached, keyed by version (see tools/toolchain/lib.sh). */
export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.EDGEFLEET_CACHE ?? join(env.XDG_CACHE_HOME ?? join(homedir(), ".cache"), "edgefleet");
}

/** kwokctl's work directory: one folder per cluster with its config, certificates, logs and pids. */
export function kwokWorkdir(env: NodeJS.ProcessEnv = process.env): string {
  return join(stateDir(env), "kwok");
}

/** The kubeconfig of a local cluster, at a path that does not change between runs. */
export function kubeconfigPath(cluster: string, env: NodeJS.ProcessEnv = process.env): string {
  return join(kwokWorkdir(env), "clusters", cluster, "kubeconfig.yaml");
}

/** The real nodes of a local cluster: one folder per node with containerd's, the kubelet's and kube-proxy's state. */
export function realNodesDir(cluster: string, env: NodeJS.ProcessEnv = process.env): string {
  return join(stateDir(env), "real-nodes", cluster);
}

export const DEFAULT_CLUSTER = "edgefleet";
