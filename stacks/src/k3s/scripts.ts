import { ARTIFACT_CACHE_DIR, IMAGE_UID } from "@edgefleet/api";
import { stringify } from "yaml";
import type { HostConfig, K3sChecksums } from "../config/types.js";
import { NODE_SPOOL_DIR } from "../platform/contract.js";
import { nodeLabels, nodeTaints, taintFlag } from "./hardware.js";

/** Where K3s reads its config and where edgefleet writes the join token (root-only). */
export const K3S_PATHS = {
  config: "/etc/rancher/k3s/config.yaml",
  token: "/etc/rancher/k3s/edgefleet-token",
  /** The server's agent token (agent-token-file): what agents join with, instead of the server token. */
  agentToken: "/etc/rancher/k3s/edgefleet-agent-token",
  kubeconfig: "/etc/rancher/k3s/k3s.yaml",
  /** The cluster's server CA bundle, what a joining agent fetches from /cacerts and checks against its token's hash. */
  serverCa: "/var/lib/rancher/k3s/server/tls/server-ca.crt",
  images: "/var/lib/rancher/k3s/agent/images",
};

/** Files staged in the SSH user's home before the install (downloaded there online, sent air-gapped), by role. */
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

/** The sha256 each staged file of a host must have: its architecture's binary (and images, air-gapped) and the installer. */
export type StagedChecksums = Readonly<Partial<Record<keyof typeof STAGED, string>>>;

/** What a host of the architecture stages, with its pinned checksums (images only when air-gapped). */
export function hostChecksums(host: HostConfig, pins: K3sChecksums, airGapped: boolean): StagedChecksums {
  const pick = (what: "binaries" | "images") => {
    const sum = pins[what]?.[host.arch];
    if (!sum) throw new Error(`K3sSite: sha256.${what} has no ${host.arch} checksum (host ${host.name})`);
    return sum;
  };
  return { installScript: pins.installScript, binary: pick("binaries"), ...(airGapped ? { images: pick("images") } : {}) };
}

/**
 * Online, the host downloads the pinned release's install.sh (from the version's tag, not
 * get.k3s.io, whose script changes) and its binary to the staged paths; the install step checks
 * them against the pins before running anything. Air-gapped hosts are sent the files instead.
 */
export function downloadCommand(host: HostConfig, version: string): string {
  const tag = encodeURIComponent(version);
  const binary = host.arch === "arm64" ? "k3s-arm64" : "k3s";
  return [
    "set -e",
    `curl -sfL -o ${stagedPath(host, "installScript")} https://raw.githubusercontent.com/k3s-io/k3s/${tag}/install.sh`,
    `curl -sfL -o ${stagedPath(host, "binary")} https://github.com/k3s-io/k3s/releases/download/${tag}/${binary}`,
  ].join("\n");
}

/** Writes stdin to a staged file, as the SSH user (its home). */
export const stageFromStdin = (host: HostConfig, what: keyof typeof STAGED) => `install -m 600 /dev/stdin ${stagedPath(host, what)}`;

/**
 * Installs (or re-runs the installer for) K3s at the pinned version from the staged files: first
 * every staged file is checked against its pinned sha256 (sha256sum -c), and a mismatch stops
 * the step before anything runs as root; then the binary (and air-gapped, the images) is
 * installed and the staged install.sh runs with INSTALL_K3S_SKIP_DOWNLOAD. The server waits
 * until its node is Ready, so agents join a working API. It also makes NODE_DIRS.
 */
export function installCommand(host: HostConfig, version: string, checksums: StagedChecksums): string {
  const sudo = root(host);
  const env = `INSTALL_K3S_SKIP_DOWNLOAD=true INSTALL_K3S_VERSION='${version}' INSTALL_K3S_EXEC='${host.role}'`;
  const dirs = NODE_DIRS.map((d) => `${sudo}install -d -o ${IMAGE_UID} -g ${IMAGE_UID} -m ${d.mode.toString(8)} ${d.path}`);
  const sums = Object.entries(checksums).map(([what, sum]) => `${sum}  ${stagedPath(host, what as keyof typeof STAGED)}`);
  const steps = [
    `sha256sum -c --quiet <<'EOF' || { echo "edgefleet: a staged K3s file does not match its pinned sha256 (edgefleet:cluster.k3s.sha256); nothing was installed" >&2; exit 1; }`,
    ...sums,
    "EOF",
    ...dirs,
    `${sudo}install -m 755 ${stagedPath(host, "binary")} /usr/local/bin/k3s`,
    ...(checksums.images
      ? [`${sudo}install -D -m 644 ${stagedPath(host, "images")} ${K3S_PATHS.images}/k3s-airgap-images-${host.arch}.tar.zst`]
      : []),
    `${sudo}env ${env} sh ${stagedPath(host, "installScript")}`,
  ];
  if (host.role === "server") {
    steps.push(
      `for i in $(seq 60); do ${sudo}k3s kubectl get node ${host.name} >/dev/null 2>&1 && break; sleep 5; done`,
      `${sudo}k3s kubectl wait --for=condition=Ready node/${host.name} --timeout=300s`,
    );
  }
  return ["set -e", ...steps].join("\n");
}

/**
 * The hash of the server's CA bundle, which agents' secure tokens (K10<hash>::node:<secret>)
 * pin: an agent then refuses a server whose /cacerts differ instead of trusting whatever CA
 * answers its first join. Read over the pinned SSH connection, after the server's install.
 */
export const caHashCommand = (host: HostConfig) => `${root(host)}sha256sum ${K3S_PATHS.serverCa} | cut -d' ' -f1`;

/** The agents' token file: the secure format, pinning the server CA, with the agent secret (never the server token). */
export const secureAgentToken = (caHash: string, agentSecret: string) => `K10${caHash.trim()}::node:${agentSecret}`;

export const uninstallCommand = (host: HostConfig) =>
  `${root(host)}/usr/local/bin/${host.role === "server" ? "k3s-uninstall.sh" : "k3s-agent-uninstall.sh"}`;

export const readKubeconfigCommand = (host: HostConfig) => `${root(host)}cat ${K3S_PATHS.kubeconfig}`;

/** The server's kubeconfig, pointed at its address instead of 127.0.0.1. */
export const externalKubeconfig = (kubeconfig: string, address: string) =>
  kubeconfig.replace(`https://127.0.0.1:${API_PORT}`, `https://${address}:${API_PORT}`);
