import { ARTIFACT_CACHE_DIR, IMAGE_UID } from "@edgefleet/api";
import { stringify } from "yaml";
import type { AirGapFiles, HostConfig } from "../config/types.js";
import { NODE_SPOOL_DIR } from "../platform/contract.js";
import { nodeLabels, nodeTaints, taintFlag } from "./hardware.js";

/** Where K3s reads its config and where edgefleet writes the join token (root-only). */
export const K3S_PATHS = {
  config: "/etc/rancher/k3s/config.yaml",
  token: "/etc/rancher/k3s/edgefleet-token",
  /** The server's agent token (agent-token-file): what agents join with, instead of the server token. */
  agentToken: "/etc/rancher/k3s/edgefleet-agent-token",
  kubeconfig: "/etc/rancher/k3s/k3s.yaml",
  images: "/var/lib/rancher/k3s/agent/images",
};

/** Files the air-gapped install copies into the SSH user's home, by role in the install. */
export const STAGED = { installScript: "edgefleet-k3s-install.sh", binary: "edgefleet-k3s", images: "edgefleet-k3s-images.tar.zst" };

/** Absolute path of a staged file: the SSH user's conventional home, which survives reboots (unlike /tmp). */
export const stagedPath = (host: HostConfig, file: keyof typeof STAGED) =>
  `${host.user === "root" ? "/root" : `/home/${host.user}`}/${STAGED[file]}`;

export const API_PORT = 6443;

/** `sudo` unless the SSH user is root; K3s's installer needs root, and sudo must not ask for a password. */
const root = (host: HostConfig) => (host.user === "root" ? "" : "sudo ");

/**
 * /etc/rancher/k3s/config.yaml: K3s reads its flags from here on every start, so the node's
 * identity, labels and taints live in one declarative file. The token is in a file of its own
 * (token-file) so this one holds no secret and its diff stays readable. The server also takes an
 * agent token (agent-token-file), the only one agents get: K3s's server token joins servers and
 * reads the cluster's bootstrap data (it is as good as cluster admin), so no device holds it.
 */
export function k3sConfig(host: HostConfig, site: string, serverUrl: string | undefined): string {
  const labels = nodeLabels({ ...host, site });
  return stringify({
    "node-name": host.name,
    ...(serverUrl
      ? { server: serverUrl }
      : { "tls-san": [host.address], "write-kubeconfig-mode": "0600", "agent-token-file": K3S_PATHS.agentToken }),
    "token-file": K3S_PATHS.token,
    "node-label": Object.entries(labels).map(([k, v]) => `${k}=${v}`),
    "node-taint": nodeTaints({ ...host, site }).map(taintFlag),
  });
}

/** Writes stdin to a root-owned file, 0600 unless said (the config, the token, the MQTT identity). */
export const writeFromStdin = (host: HostConfig, path: string, mode = "600") => `${root(host)}install -D -m ${mode} /dev/stdin ${path}`;

/**
 * The directories a node needs before the platform's pods run on it, owned by the images' user:
 * the agent pod and the runtime pods' verify-artifact init containers run non-root and cannot
 * make them. The spool is the agent's alone; the artifact cache is world-readable, since runtime
 * images load its blobs as whatever user they run as.
 */
export const NODE_DIRS = [
  { path: NODE_SPOOL_DIR, mode: 0o700 },
  { path: ARTIFACT_CACHE_DIR, mode: 0o755 },
] as const;

/**
 * Installs (or re-runs the installer for) K3s at the pinned version: the official install.sh
 * online, or the staged script, binary and images air-gapped (INSTALL_K3S_SKIP_DOWNLOAD). The
 * server waits until its node is Ready, so agents join a working API. First it makes NODE_DIRS.
 */
export function installCommand(host: HostConfig, version: string, airGap: AirGapFiles | undefined): string {
  const sudo = root(host);
  const env = `INSTALL_K3S_VERSION='${version}' INSTALL_K3S_EXEC='${host.role}'`;
  const dirs = NODE_DIRS.map((d) => `${sudo}install -d -o ${IMAGE_UID} -g ${IMAGE_UID} -m ${d.mode.toString(8)} ${d.path}`).join("\n");
  const steps = airGap
    ? [
        dirs,
        `${sudo}install -m 755 ${stagedPath(host, "binary")} /usr/local/bin/k3s`,
        `${sudo}install -D -m 644 ${stagedPath(host, "images")} ${K3S_PATHS.images}/k3s-airgap-images-${host.arch}.tar.zst`,
        `${sudo}env INSTALL_K3S_SKIP_DOWNLOAD=true ${env} sh ${stagedPath(host, "installScript")}`,
      ]
    : [dirs, `curl -sfL https://get.k3s.io | ${sudo}env ${env} sh -`];
  if (host.role === "server") {
    steps.push(
      `for i in $(seq 60); do ${sudo}k3s kubectl get node ${host.name} >/dev/null 2>&1 && break; sleep 5; done`,
      `${sudo}k3s kubectl wait --for=condition=Ready node/${host.name} --timeout=300s`,
    );
  }
  return ["set -e", ...steps].join("\n");
}

export const uninstallCommand = (host: HostConfig) =>
  `${root(host)}/usr/local/bin/${host.role === "server" ? "k3s-uninstall.sh" : "k3s-agent-uninstall.sh"}`;

export const readKubeconfigCommand = (host: HostConfig) => `${root(host)}cat ${K3S_PATHS.kubeconfig}`;

/** The server's kubeconfig, pointed at its address instead of 127.0.0.1. */
export const externalKubeconfig = (kubeconfig: string, address: string) =>
  kubeconfig.replace(`https://127.0.0.1:${API_PORT}`, `https://${address}:${API_PORT}`);
