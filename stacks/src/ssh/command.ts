import * as pulumi from "@pulumi/pulumi";
import { HOST_KEY_ALGORITHMS, type PinnedHostKey } from "./host-key.js";

/** How to reach a host: its address, the SSH user and key, and the host key it must present. */
export interface SshConnection {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  /** OpenSSH or PEM private key; keep it a secret. */
  readonly privateKey: pulumi.Input<string>;
  /** The host's key, pinned in the stack config: any other key ends the connection before a command runs. */
  readonly hostKey: PinnedHostKey;
}

export interface RemoteCommandArgs {
  readonly connection: SshConnection;
  /** Runs when the resource is created (through the SSH user's shell). Never put a secret here: it is on the host's process list. */
  readonly create: pulumi.Input<string>;
  /** Runs when an input changes (default: create again). */
  readonly update?: pulumi.Input<string>;
  /** Runs when the resource is deleted. */
  readonly delete?: pulumi.Input<string>;
  /** The command's standard input: where secrets go (pass them as secrets). The outputs keep only its sha256. */
  readonly stdin?: pulumi.Input<string>;
  /** A local file streamed as standard input (large files; only its path is in the state). */
  readonly stdinFile?: pulumi.Input<string>;
  /** Values whose change re-runs update (a file's pinned checksum, a version). */
  readonly triggers?: pulumi.Input<unknown>[];
}

/** What the provider is handed: every input resolved. */
interface Inputs {
  readonly connection: Omit<SshConnection, "privateKey"> & { readonly privateKey: string };
  readonly create: string;
  readonly update?: string;
  readonly delete?: string;
  readonly stdin?: string;
  readonly stdinFile?: string;
  readonly triggers?: unknown[];
}

/** The inputs less stdin, which only its digest stands for (so a secret there is not in the outputs at all). */
interface Outputs extends Omit<Inputs, "stdin"> {
  readonly stdinSha256?: string;
  readonly stdout: string;
}

/**
 * Runs the command on the host over SSH (the npm ssh2 client), refusing the host unless it
 * presents the pinned key: nothing is sent before the key is checked. Runs in Pulumi's dynamic
 * provider process, not the program: modules are required inside, so the serialized provider
 * carries no module objects.
 */
function runRemote(inputs: Inputs, command: string): Promise<{ stdout: string }> {
  const { Client } = require("ssh2") as typeof import("ssh2");
  const { createHash } = require("node:crypto") as typeof import("node:crypto");
  const { createReadStream } = require("node:fs") as typeof import("node:fs");
  const { host, port, user, privateKey, hostKey } = inputs.connection;
  const where = `${user}@${host}:${port}`;
  const pinned = Buffer.from(hostKey.blob, "base64");
  const fingerprint = (key: Buffer) => `SHA256:${createHash("sha256").update(key).digest("base64").replace(/=+$/, "")}`;
  return new Promise((resolve, reject) => {
    const client = new Client();
    let presented: Buffer | undefined;
    const fail = (message: string) => {
      client.end();
      reject(new Error(message));
    };
    client.on("error", (err) => {
      if (presented && !presented.equals(pinned)) {
        fail(
          `ssh ${where}: the host presented ${hostKey.type} key ${fingerprint(presented)}, not the pinned ${fingerprint(pinned)} (its hosts[].hostKey): refused before running anything. If the host was reinstalled, check the new key on its console (ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub) and pin it; otherwise something is answering in its place`,
        );
      } else if (!presented && /host key/i.test(err.message)) {
        fail(
          `ssh ${where}: ${err.message}: the host offers no ${hostKey.type} key, the type pinned in its hosts[].hostKey; pin the key it has`,
        );
      } else fail(`ssh ${where}: ${err.message}`);
    });
    client.on("ready", () => {
      client.exec(command, (err, stream) => {
        if (err) return fail(`ssh ${where}: ${err.message}`);
        const out: Buffer[] = [];
        const errs: Buffer[] = [];
        stream.on("data", (d: Buffer) => out.push(d));
        stream.stderr.on("data", (d: Buffer) => errs.push(d));
        stream.on("close", (code: number | null, signal?: string) => {
          client.end();
          if (code === 0) return resolve({ stdout: Buffer.concat(out).toString("utf8") });
          // stdout may hold secrets (a kubeconfig); stderr is what explains a failure.
          const stderr = Buffer.concat(errs).toString("utf8").trim().split("\n").slice(-20).join("\n");
          reject(new Error(`ssh ${where}: command exited ${code ?? `on signal ${signal}`}:\n${stderr}`));
        });
        if (inputs.stdinFile)
          createReadStream(inputs.stdinFile)
            .on("error", (e) => fail(`reading ${inputs.stdinFile}: ${e.message}`))
            .pipe(stream);
        else stream.end(inputs.stdin ?? "");
      });
    });
    client.connect({
      host,
      port,
      username: user,
      privateKey,
      algorithms: { serverHostKey: [...(HOST_KEY_ALGORITHMS[hostKey.type] ?? [])] as never },
      hostVerifier: (key: Buffer) => {
        presented = key;
        return key.equals(pinned);
      },
      readyTimeout: 30_000,
    });
  });
}

/** The inputs whose change means another host: the old resource's delete runs there, create on the new one. */
const WHERE = ["host", "port", "user"] as const;
const COMPARED = ["create", "update", "delete", "stdinFile", "triggers"] as const;

function outputs(inputs: Inputs, stdout: string): Outputs {
  const { createHash } = require("node:crypto") as typeof import("node:crypto");
  const { stdin, ...rest } = inputs;
  return { ...rest, ...(stdin === undefined ? {} : { stdinSha256: createHash("sha256").update(stdin).digest("hex") }), stdout };
}

/** Whether what the step runs changed: a command, its stdin or file, a trigger. */
function commandChanged(olds: Outputs, news: Inputs): boolean {
  return COMPARED.some((k) => JSON.stringify(olds[k]) !== JSON.stringify(news[k])) || olds.stdinSha256 !== outputs(news, "").stdinSha256;
}

/** What the engine calls (exported for the unit test of diff and update; the program uses RemoteCommand). */
export const provider: pulumi.dynamic.ResourceProvider<Inputs, Outputs> = {
  async create(inputs) {
    const { stdout } = await runRemote(inputs, inputs.create);
    return { id: `${inputs.connection.host}-${Date.now().toString(36)}`, outs: outputs(inputs, stdout) };
  },
  async diff(_id, olds, news) {
    const replaces = WHERE.filter((k) => olds.connection[k] !== news.connection[k]).map((k) => `connection.${k}`);
    const changed = commandChanged(olds, news) || JSON.stringify(olds.connection) !== JSON.stringify(news.connection);
    return { changes: changed || replaces.length > 0, replaces };
  },
  async update(_id, olds, news) {
    // A new SSH key or host-key pin for the same host is only recorded (delete needs the current
    // ones); it does not re-run the step.
    if (!commandChanged(olds, news)) return { outs: outputs(news, olds.stdout) };
    const { stdout } = await runRemote(news, news.update ?? news.create);
    return { outs: outputs(news, stdout) };
  },
  async delete(_id, olds) {
    if (olds.delete) await runRemote(olds, olds.delete);
  },
};

/**
 * A command run on a host over SSH with its host key verified against the pin, in the real
 * Pulumi engine as a dynamic provider (no provider plugin to build). The connection (it holds
 * the private key) is secret in the state, stdout too with secretStdout; stdin is an input only
 * (secret when given as one), the outputs keep its sha256 to see it change.
 */
export class RemoteCommand extends pulumi.dynamic.Resource {
  declare readonly stdout: pulumi.Output<string>;

  constructor(name: string, args: RemoteCommandArgs, opts: pulumi.CustomResourceOptions & { secretStdout?: boolean } = {}) {
    const { secretStdout, ...rest } = opts;
    super(
      provider,
      name,
      { ...args, connection: pulumi.secret(args.connection), stdout: undefined },
      { ...rest, additionalSecretOutputs: ["connection", ...(secretStdout ? ["stdout"] : [])] },
    );
  }
}
