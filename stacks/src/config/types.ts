import type { Architecture, NodeAccelerator } from "@edgefleet/api";
import type { Taint } from "../k3s/hardware.js";
import type { PlatformArgs } from "../platform/args.js";
import type { PinnedHostKey } from "../ssh/host-key.js";

/** The validated configuration of one stack (`edgefleet:*` keys), defaults applied. */
export interface StackConfig {
  readonly cluster: ExistingCluster | K3sCluster;
  readonly platform: PlatformConfig;
  /** From the secret edgefleet:mqttPkiSeed: when set, Pulumi issues every MQTT certificate. */
  readonly mqttPkiSeed?: string;
  /** edgefleet:mqttCertLifetimeDays: how long each issued MQTT certificate is valid (DEFAULT_RENEWAL's when unset). */
  readonly mqttCertLifetimeDays?: number;
}

/** Adopt a running cluster (the local platform, or any Kubernetes) through a kubeconfig. */
export interface ExistingCluster {
  readonly kind: "existing";
  /** Site name, which the cluster's nodes carry as their edgefleet.io/site label. */
  readonly site: string;
  /** Path of the kubeconfig (`~/` and `$NAME` expanded); unset: $KUBECONFIG or ~/.kube/config, like kubectl. */
  readonly kubeconfig?: string;
  readonly context?: string;
}

/** Install K3s on the site's hosts over SSH. */
export interface K3sCluster {
  readonly kind: "k3s";
  /** Pinned K3s release, e.g. v1.32.3+k3s1. */
  readonly version: string;
  /** Site name, the edgefleet.io/site label of every node. */
  readonly site: string;
  readonly hosts: readonly HostConfig[];
  /** Local files Pulumi copies to each host instead of letting K3s download anything. */
  readonly airGap?: AirGapFiles;
  /**
   * MQTT identities the broker refuses: every generation up to `generation` of each name (a device
   * removed from the site, or whose current identity was stolen). Hosts' earlier generations are
   * refused without being listed.
   */
  readonly revokedMqttIdentities: readonly RevokedIdentity[];
  /** From the secret edgefleet:sshPrivateKey. */
  readonly sshPrivateKey: string;
  /** From the secret edgefleet:k3sToken: the server's alone. */
  readonly token: string;
  /** From the secret edgefleet:k3sAgentToken: what agents join with (K3s's agent token). */
  readonly agentToken: string;
  /** The release's files pinned by sha256: a host refuses to install a file that differs. */
  readonly sha256: K3sChecksums;
}

/** sha256 (hex) of the K3s release's files. */
export interface K3sChecksums {
  /** install.sh at the release's tag. */
  readonly installScript: string;
  /** The k3s binary per architecture the hosts have (the release's sha256sum-<arch>.txt). */
  readonly binaries: Readonly<Partial<Record<Architecture, string>>>;
  /** The air-gap image archives per architecture (only with airGap). */
  readonly images?: Readonly<Partial<Record<Architecture, string>>>;
}

export interface HostConfig {
  /** Node name in Kubernetes. */
  readonly name: string;
  readonly address: string;
  readonly port: number;
  readonly user: string;
  readonly role: "server" | "agent";
  readonly hardwareClass: string;
  readonly accelerator: NodeAccelerator;
  readonly arch: Architecture;
  readonly labels: Readonly<Record<string, string>>;
  readonly taints: readonly Taint[];
  /** The host's SSH host key (OpenSSH public key line): any other key is refused before a command runs. */
  readonly hostKey: PinnedHostKey;
  /** Its MQTT identity's generation: raising it re-issues the node's key and certificate and revokes the earlier ones. */
  readonly mqttGeneration: number;
}

export interface RevokedIdentity {
  readonly name: string;
  /** The last generation revoked; every earlier one is too. */
  readonly generation: number;
}

export interface AirGapFiles {
  /** K3s's install.sh. */
  readonly installScript: string;
  /** The k3s binary per architecture the hosts have (k3s for amd64, k3s-arm64 for arm64). */
  readonly binaries: Readonly<Partial<Record<Architecture, string>>>;
  /** k3s-airgap-images-<arch>.tar.zst per architecture the hosts have. */
  readonly images: Readonly<Partial<Record<Architecture, string>>>;
}

export type PlatformConfig = Omit<PlatformArgs, "monitoring"> & {
  readonly monitoring: Omit<PlatformArgs["monitoring"], "rulesAs"> & {
    /** auto: PrometheusRule when the cluster serves monitoring.coreos.com/v1, else ConfigMap. */
    readonly rulesAs: "auto" | PlatformArgs["monitoring"]["rulesAs"];
  };
};
