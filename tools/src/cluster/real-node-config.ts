import { createHash } from "node:crypto";
import { join } from "node:path";

/** Where Debian's containernetworking-plugins puts the CNI plugins (bridge, host-local, portmap, loopback). */
export const CNI_BIN_DIR = "/usr/lib/cni";

/**
 * The sandbox (pause) image every pod starts with. Nothing can be pulled here: the real nodes
 * assemble it from the toolchain's static pause binary and import it before the kubelet starts.
 */
export const SANDBOX_IMAGE = "edgefleet.local/pause:3.10";

/** The DNS domain of Services and pods (`NAME.NAMESPACE.svc.cluster.local`). */
export const CLUSTER_DOMAIN = "cluster.local";
/** The kube-dns Service's address, in SERVICE_CIDR (kwokctl.ts): pods' nameserver (see cluster-dns.ts). */
export const CLUSTER_DNS_IP = "10.96.0.10";

/** Where one real node keeps its state, processes' files and network settings. */
export interface RealNodeLayout {
  readonly cluster: string;
  readonly name: string;
  readonly dir: string;
  /** Pod subnet of this node (host-local IPAM), a /24 of 10.244.0.0/16. */
  readonly podSubnet: string;
  /** Linux bridge of the node's pods (at most 15 characters). */
  readonly bridge: string;
  /** The CNI network's name: also the comment on the iptables rules the CNI plugins add. */
  readonly network: string;
  readonly containerdSocket: string;
}

/**
 * The layout of real node `index` (0-based) of a cluster. The subnet and bridge name derive from
 * the node's directory so that clusters of different state directories on one host differ.
 */
export function realNodeLayout(realNodesDir: string, cluster: string, name: string, index: number): RealNodeLayout {
  const dir = join(realNodesDir, name);
  const hash = createHash("sha256").update(dir).digest();
  const third = ((hash[0] ?? 0) + index) % 250;
  return {
    cluster,
    name,
    dir,
    podSubnet: `10.244.${third}.0/24`,
    bridge: `ef${hash.subarray(1, 5).toString("hex")}`,
    network: `edgefleet-${hash.subarray(1, 5).toString("hex")}`,
    containerdSocket: join(dir, "containerd.sock"),
  };
}

/** containerd 2.x configuration (version 3): everything under the node's directory, runc with cgroupfs. */
export function containerdConfig(l: RealNodeLayout, runc: string): string {
  const q = JSON.stringify;
  return `version = 3
root = ${q(join(l.dir, "containerd", "root"))}
state = ${q(join(l.dir, "containerd", "state"))}

[grpc]
  address = ${q(l.containerdSocket)}

[ttrpc]
  address = ${q(`${l.containerdSocket}.ttrpc`)}

[plugins."io.containerd.cri.v1.images"]
  snapshotter = "overlayfs"
  [plugins."io.containerd.cri.v1.images".pinned_images]
    sandbox = ${q(SANDBOX_IMAGE)}

[plugins."io.containerd.cri.v1.runtime"]
  # Network namespaces under the node's state: delete finds and unmounts every one it left.
  netns_mounts_under_state_dir = true
  # No CAP_SYS_RESOURCE in a container host: runc may not lower a process's OOM score below ours.
  restrict_oom_score_adj = true
  [plugins."io.containerd.cri.v1.runtime".cni]
    bin_dirs = [${q(CNI_BIN_DIR)}]
    conf_dir = ${q(join(l.dir, "cni", "net.d"))}
  [plugins."io.containerd.cri.v1.runtime".containerd.runtimes.runc]
    runtime_type = "io.containerd.runc.v2"
    [plugins."io.containerd.cri.v1.runtime".containerd.runtimes.runc.options]
      BinaryName = ${q(runc)}
      # runc's state under the node's (the shim's default is /run/containerd/runc).
      Root = ${q(join(l.dir, "containerd", "runc"))}
      # The host has cgroup v1 and no systemd: the kubelet uses the cgroupfs driver too.
      SystemdCgroup = false
`;
}

/** The CNI network: a bridge with host-local addresses, port mappings for hostPort pods. */
export function cniConfig(l: RealNodeLayout): string {
  return `${JSON.stringify(
    {
      cniVersion: "1.0.0",
      name: l.network,
      plugins: [
        {
          type: "bridge",
          bridge: l.bridge,
          isGateway: true,
          ipMasq: true,
          // A pod reaches itself through its own Service.
          hairpinMode: true,
          ipam: {
            type: "host-local",
            ranges: [[{ subnet: l.podSubnet }]],
            routes: [{ dst: "0.0.0.0/0" }],
            dataDir: join(l.dir, "cni", "ipam"),
          },
        },
        { type: "portmap", capabilities: { portMappings: true } },
      ],
    },
    null,
    2,
  )}\n`;
}

export interface KubeletConfigOptions {
  readonly caFile: string;
  readonly port: number;
  readonly healthzPort: number;
}

/** KubeletConfiguration (YAML is a superset of JSON: written as JSON). */
export function kubeletConfig(l: RealNodeLayout, o: KubeletConfigOptions): string {
  return `${JSON.stringify(
    {
      apiVersion: "kubelet.config.k8s.io/v1beta1",
      kind: "KubeletConfiguration",
      // The host has cgroup v1, which kubelet 1.35+ refuses unless told otherwise.
      failCgroupV1: false,
      cgroupDriver: "cgroupfs",
      failSwapOn: false,
      containerRuntimeEndpoint: `unix://${l.containerdSocket}`,
      port: o.port,
      healthzBindAddress: "127.0.0.1",
      healthzPort: o.healthzPort,
      readOnlyPort: 0,
      // The API server presents the cluster's admin certificate (kubelet-client-certificate) for
      // logs and exec; the kubelet asks the API server whether its holder may.
      authentication: { anonymous: { enabled: false }, webhook: { enabled: true }, x509: { clientCAFile: o.caFile } },
      authorization: { mode: "Webhook" },
      // Not /var/log/pods: the node's pod logs go with its directory.
      podLogsDir: join(l.dir, "pod-logs"),
      clusterDomain: CLUSTER_DOMAIN,
      clusterDNS: [CLUSTER_DNS_IP],
      resolvConf: "/etc/resolv.conf",
      // The host is shared with the control plane and the tests: evict only when nearly full, and
      // never garbage-collect images (nothing can be pulled back).
      evictionHard: { "memory.available": "100Mi", "nodefs.available": "2%", "imagefs.available": "2%" },
      imageGCHighThresholdPercent: 100,
      imageGCLowThresholdPercent: 99,
      serializeImagePulls: false,
    },
    null,
    2,
  )}\n`;
}

export interface KubeProxyConfigOptions {
  readonly kubeconfig: string;
  readonly metricsPort: number;
  readonly healthzPort: number;
}

/** KubeProxyConfiguration in iptables mode; it leaves the host's conntrack sysctls alone. */
export function kubeProxyConfig(l: RealNodeLayout, o: KubeProxyConfigOptions): string {
  return `${JSON.stringify(
    {
      apiVersion: "kubeproxy.config.k8s.io/v1alpha1",
      kind: "KubeProxyConfiguration",
      mode: "iptables",
      clientConnection: { kubeconfig: o.kubeconfig },
      hostnameOverride: l.name,
      clusterCIDR: l.podSubnet,
      conntrack: { maxPerCore: 0, min: 0, tcpEstablishedTimeout: "0s", tcpCloseWaitTimeout: "0s" },
      metricsBindAddress: `127.0.0.1:${o.metricsPort}`,
      healthzBindAddress: `127.0.0.1:${o.healthzPort}`,
    },
    null,
    2,
  )}\n`;
}
