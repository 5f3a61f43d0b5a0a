import { createHash } from "node:crypto";
import type { CertificateAuthority } from "@edgefleet/kit";
import * as pulumi from "@pulumi/pulumi";
import type { AirGapFiles, HostConfig, K3sChecksums } from "../config/types.js";
import { NODE_IDENTITY_DIR } from "../platform/contract.js";
import { RemoteCommand, type SshConnection } from "../ssh/command.js";
import {
  API_PORT,
  caHashCommand,
  downloadCommand,
  externalKubeconfig,
  hostChecksums,
  installCommand,
  K3S_PATHS,
  k3sConfig,
  readKubeconfigCommand,
  STAGED,
  secureAgentToken,
  stageFromStdin,
  uninstallCommand,
  writeFromStdin,
} from "./scripts.js";

export interface K3sSiteArgs {
  /** Pinned K3s release, e.g. v1.32.3+k3s1. */
  readonly version: string;
  /** Site name: every node's edgefleet.io/site label. */
  readonly site: string;
  /** The site's hosts, each with its pinned SSH host key; exactly one has role server. */
  readonly hosts: readonly HostConfig[];
  /** SSH private key for every host; keep it a secret. */
  readonly sshPrivateKey: pulumi.Input<string>;
  /**
   * K3s server token; keep it a secret. Only the server gets it: it joins servers and reads the
   * cluster's bootstrap data (the CA keys), so it is as good as cluster admin.
   */
  readonly token: pulumi.Input<string>;
  /** K3s agent token (the server's agent-token-file); keep it a secret. Agents get it alone, in the secure format. */
  readonly agentToken: pulumi.Input<string>;
  /** The release's files pinned by sha256. */
  readonly sha256: K3sChecksums;
  /** Install from files Pulumi copies to each host, with no download on the hosts. */
  readonly airGap?: AirGapFiles;
  /** The site's MQTT CA: when given, each host gets its own client identity (CN = node name) in /etc/edgefleet/mqtt. */
  readonly mqttCa?: CertificateAuthority;
}

/** A secret's digest, as a trigger: the install re-runs (K3s restarts and rereads its token files) when a token is rotated. */
const digest = (secret: pulumi.Input<string>) =>
  pulumi.secret(pulumi.output(secret).apply((s) => createHash("sha256").update(s).digest("hex")));

/**
 * A K3s cluster on a site's hosts, installed over SSH with each host's key pinned: per host,
 * stage the installer and binary (downloaded there, or copied air-gapped) → write config and
 * token → install (which checks the staged files' pinned sha256 first). Agents install only
 * after the server's node is Ready, with a token that pins the server's CA. The server's
 * kubeconfig comes back as a secret output.
 */
export class K3sSite extends pulumi.ComponentResource {
  /** Admin kubeconfig of the new cluster, pointed at the server's address. Secret. */
  readonly kubeconfig: pulumi.Output<string>;
  /** https://<server address>:6443 */
  readonly serverUrl: string;

  constructor(name: string, args: K3sSiteArgs, opts?: pulumi.ComponentResourceOptions) {
    super("edgefleet:k3s:Site", name, {}, opts);
    const server = args.hosts.find((h) => h.role === "server");
    if (!server) throw new Error(`K3sSite ${name}: one host must have role server`);
    this.serverUrl = `https://${server.address}:${API_PORT}`;

    const serverTokens = [
      this.writeSecret(name, server, "token", K3S_PATHS.token, args),
      this.writeSecret(name, server, "agent-token", K3S_PATHS.agentToken, args),
    ];
    const serverInstall = this.host(name, server, args, serverTokens, []);
    const parent = { parent: this, dependsOn: [serverInstall] };
    const read = new RemoteCommand(
      `${name}-${server.name}-kubeconfig`,
      { connection: this.connection(server, args), create: readKubeconfigCommand(server), triggers: [args.version] },
      { ...parent, secretStdout: true },
    );
    this.kubeconfig = pulumi.secret(read.stdout.apply((k) => externalKubeconfig(k, server.address)));
    const caHash = new RemoteCommand(
      `${name}-${server.name}-ca-hash`,
      { connection: this.connection(server, args), create: caHashCommand(server), triggers: [args.version] },
      parent,
    ).stdout;
    for (const agent of args.hosts.filter((h) => h.role === "agent")) {
      const token = pulumi.all([caHash, args.agentToken]).apply(([hash, secret]) => secureAgentToken(hash, secret));
      this.host(name, agent, args, [this.writeSecret(name, agent, "token", K3S_PATHS.token, args, token)], [serverInstall]);
    }
    this.registerOutputs({ kubeconfig: this.kubeconfig, serverUrl: this.serverUrl });
  }

  private connection(host: HostConfig, args: K3sSiteArgs): SshConnection {
    return { host: host.address, port: host.port, user: host.user, privateKey: args.sshPrivateKey, hostKey: host.hostKey };
  }

  /** A token file, written from a secret stdin: the server's token or agent token, or an agent's secure token. */
  private writeSecret(
    site: string,
    host: HostConfig,
    id: "token" | "agent-token",
    path: string,
    args: K3sSiteArgs,
    value: pulumi.Input<string> = id === "token" ? args.token : args.agentToken,
  ): RemoteCommand {
    const write = writeFromStdin(host, path);
    return new RemoteCommand(
      `${site}-${host.name}-${id}`,
      { connection: this.connection(host, args), create: write, update: write, stdin: pulumi.secret(value) },
      { parent: this },
    );
  }

  /** One host's steps after its tokens; returns its install command. */
  private host(site: string, host: HostConfig, args: K3sSiteArgs, tokens: RemoteCommand[], installAfter: pulumi.Resource[]): RemoteCommand {
    const name = `${site}-${host.name}`;
    const connection = this.connection(host, args);
    const parent = { parent: this };
    const checksums = hostChecksums(host, args.sha256, args.airGap !== undefined);
    const staged = args.airGap
      ? this.stage(name, host, args.airGap, connection, checksums)
      : [new RemoteCommand(`${name}-download`, { connection, create: downloadCommand(host, args.version), triggers: [checksums] }, parent)];
    const config = k3sConfig(host, args.site, host.role === "server" ? undefined : this.serverUrl);
    const configured = new RemoteCommand(
      `${name}-config`,
      { connection, create: writeFromStdin(host, K3S_PATHS.config), update: writeFromStdin(host, K3S_PATHS.config), stdin: config },
      parent,
    );
    if (args.mqttCa) this.identity(name, host, args.mqttCa, connection);
    const install = installCommand(host, args.version, checksums);
    const rotated = host.role === "server" ? [digest(args.token), digest(args.agentToken)] : [digest(args.agentToken)];
    return new RemoteCommand(
      `${name}-install`,
      // Re-run the installer (it restarts K3s) when the version, the files, the node's config or a token changes.
      {
        connection,
        create: install,
        update: install,
        delete: uninstallCommand(host),
        triggers: [args.version, checksums, config, ...rotated],
      },
      { ...parent, dependsOn: [...staged, configured, ...tokens, ...installAfter] },
    );
  }

  /**
   * The node's MQTT identity, written on the host and nowhere else: the agent pod on that node
   * mounts it read-only, so no pod can speak for another node. 0640 root:root; the key is secret.
   */
  private identity(name: string, host: HostConfig, ca: CertificateAuthority, connection: SshConnection): void {
    const issued = ca.issue(host.name, [], host.mqttGeneration);
    const files = { "ca.crt": issued.ca, "tls.crt": issued.cert, "tls.key": pulumi.secret(issued.key) };
    for (const [file, content] of Object.entries(files)) {
      const write = writeFromStdin(host, `${NODE_IDENTITY_DIR}/${file}`, "640");
      new RemoteCommand(`${name}-mqtt-${file}`, { connection, create: write, update: write, stdin: content }, { parent: this });
    }
  }

  /** Air-gapped: each local file streamed to the host; its pinned checksum re-sends it when the file changes. */
  private stage(
    name: string,
    host: HostConfig,
    files: AirGapFiles,
    connection: SshConnection,
    checksums: ReturnType<typeof hostChecksums>,
  ) {
    const local = { installScript: files.installScript, binary: files.binaries[host.arch], images: files.images[host.arch] };
    return (Object.keys(STAGED) as (keyof typeof STAGED)[]).map((what) => {
      const localPath = local[what];
      if (!localPath) throw new Error(`K3sSite: airGap has no ${what} for ${host.arch} (host ${host.name})`);
      const write = stageFromStdin(host, what);
      return new RemoteCommand(
        `${name}-stage-${what}`,
        { connection, create: write, update: write, stdinFile: localPath, triggers: [checksums[what], localPath] },
        { parent: this },
      );
    });
  }
}
