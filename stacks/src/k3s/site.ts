import { createHmac } from "node:crypto";
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import type { AirGapFiles, HostConfig } from "../config/types.js";
import type { CertificateAuthority } from "../pki/certificates.js";
import { NODE_IDENTITY_DIR } from "../platform/contract.js";
import {
  API_PORT,
  externalKubeconfig,
  installCommand,
  K3S_PATHS,
  k3sConfig,
  readKubeconfigCommand,
  type STAGED,
  stagedPath,
  uninstallCommand,
  writeFromStdin,
} from "./scripts.js";

export interface K3sSiteArgs {
  /** Pinned K3s release, e.g. v1.32.3+k3s1. */
  readonly version: string;
  /** Site name: every node's edgefleet.io/site label. */
  readonly site: string;
  /** The site's hosts; exactly one has role server. */
  readonly hosts: readonly HostConfig[];
  /** SSH private key for every host; keep it a secret. */
  readonly sshPrivateKey: pulumi.Input<string>;
  /**
   * K3s server token; keep it a secret. Only the server gets it: agents join with an agent token
   * derived from it (agentToken), which cannot join a server or read the cluster's bootstrap data.
   */
  readonly token: pulumi.Input<string>;
  /** Install from files Pulumi copies to each host, with no download on the hosts. */
  readonly airGap?: AirGapFiles;
  /** The site's MQTT CA: when given, each host gets its own client identity (CN = node name) in /etc/edgefleet/mqtt. */
  readonly mqttCa?: CertificateAuthority;
}

/**
 * A K3s cluster on a site's hosts, installed over SSH: per host, (air-gapped: copy the installer,
 * binary and images →) write config and token → install; agents install only after the server's
 * node is Ready. The server's kubeconfig comes back as a secret output.
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

    const serverInstall = this.host(name, server, args, []);
    const read = new command.remote.Command(
      `${name}-${server.name}-kubeconfig`,
      { connection: this.connection(server, args), create: readKubeconfigCommand(server), triggers: [args.version] },
      { parent: this, dependsOn: [serverInstall], additionalSecretOutputs: ["stdout"] },
    );
    this.kubeconfig = pulumi.secret(read.stdout.apply((k) => externalKubeconfig(k, server.address)));
    for (const agent of args.hosts.filter((h) => h.role === "agent")) this.host(name, agent, args, [serverInstall]);
    this.registerOutputs({ kubeconfig: this.kubeconfig, serverUrl: this.serverUrl });
  }

  private connection(host: HostConfig, args: K3sSiteArgs): command.types.input.remote.ConnectionArgs {
    return { host: host.address, port: host.port, user: host.user, privateKey: pulumi.secret(args.sshPrivateKey) };
  }

  /** One host's steps; returns its install command. */
  private host(site: string, host: HostConfig, args: K3sSiteArgs, installAfter: pulumi.Resource[]): command.remote.Command {
    const name = `${site}-${host.name}`;
    const connection = this.connection(host, args);
    const parent = { parent: this };
    const staged = args.airGap ? this.stage(name, host, args.airGap, connection, args.version) : [];
    const config = k3sConfig(host, args.site, host.role === "server" ? undefined : this.serverUrl);
    const configured = new command.remote.Command(
      `${name}-config`,
      { connection, create: writeFromStdin(host, K3S_PATHS.config), update: writeFromStdin(host, K3S_PATHS.config), stdin: config },
      parent,
    );
    const writeToken = (id: string, path: string, value: pulumi.Input<string>) =>
      new command.remote.Command(
        `${name}-${id}`,
        { connection, create: writeFromStdin(host, path), update: writeFromStdin(host, path), stdin: pulumi.secret(value) },
        parent,
      );
    const tokens =
      host.role === "server"
        ? [writeToken("token", K3S_PATHS.token, args.token), writeToken("agent-token", K3S_PATHS.agentToken, agentToken(args.token))]
        : [writeToken("token", K3S_PATHS.token, agentToken(args.token))];
    if (args.mqttCa) this.identity(name, host, args.mqttCa, connection);
    const install = installCommand(host, args.version, args.airGap);
    return new command.remote.Command(
      `${name}-install`,
      // Re-run the installer (it restarts K3s) when the version or the node's config changes.
      { connection, create: install, update: install, delete: uninstallCommand(host), triggers: [args.version, config] },
      { ...parent, dependsOn: [...staged, configured, ...tokens, ...installAfter] },
    );
  }

  /**
   * The node's MQTT identity, written on the host and nowhere else: the agent pod on that node
   * mounts it read-only, so no pod can speak for another node. 0640 root:root; the key is secret.
   */
  private identity(name: string, host: HostConfig, ca: CertificateAuthority, connection: command.types.input.remote.ConnectionArgs): void {
    const issued = ca.issue(host.name, [], host.mqttGeneration);
    const files = { "ca.crt": issued.ca, "tls.crt": issued.cert, "tls.key": pulumi.secret(issued.key) };
    for (const [file, content] of Object.entries(files)) {
      const write = writeFromStdin(host, `${NODE_IDENTITY_DIR}/${file}`, "640");
      new command.remote.Command(`${name}-mqtt-${file}`, { connection, create: write, update: write, stdin: content }, { parent: this });
    }
  }

  private stage(
    name: string,
    host: HostConfig,
    files: AirGapFiles,
    connection: command.types.input.remote.ConnectionArgs,
    version: string,
  ) {
    const copy = (what: keyof typeof STAGED, localPath: string | undefined) => {
      if (!localPath) throw new Error(`K3sSite: airGap has no ${what} for ${host.arch} (host ${host.name})`);
      return new command.remote.CopyFile(
        `${name}-stage-${what}`,
        { connection, localPath, remotePath: stagedPath(host, what), triggers: [version, localPath] },
        { parent: this },
      );
    };
    return [copy("installScript", files.installScript), copy("binary", files.binaries[host.arch]), copy("images", files.images[host.arch])];
  }
}

/**
 * The agents' join token, derived from the server token so the stack keeps one secret: an HMAC, so
 * holding it (any device does) tells nothing of the server token.
 */
export function agentToken(serverToken: pulumi.Input<string>): pulumi.Output<string> {
  return pulumi.secret(pulumi.output(serverToken).apply((t) => createHmac("sha256", t).update("edgefleet k3s agent token").digest("hex")));
}
