import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { stringify } from "yaml";
import { freePort } from "./ports.js";
import { Service } from "./service.js";

/** Debian's docker-registry package: CNCF Distribution, the reference OCI registry. */
const BINARY = ["/usr/bin/docker-registry", "/usr/local/bin/docker-registry"];
const HTPASSWD = ["/usr/bin/htpasswd", "/usr/local/bin/htpasswd"];

export interface OciRegistryOptions {
  /** Its config, storage, certificate, password file and log live here. */
  readonly dir: string;
  readonly port?: number;
  /** The address it listens on (default 127.0.0.1). */
  readonly host?: string;
  /** The host name clients use in oci:// URIs (default localhost): the certificate must name it. */
  readonly hostName?: string;
  /** Serves HTTPS with this certificate and key (PEM); without it, plain HTTP. */
  readonly tls?: { readonly cert: string; readonly key: string };
  /** Requires HTTP Basic authentication with these users and passwords; without it, anyone pulls and pushes. */
  readonly users?: Readonly<Record<string, string>>;
  /**
   * Requires Bearer tokens from this token endpoint (Distribution's `auth.token`): tokens are JWTs
   * signed by a key whose certificate is in `rootCertBundle` (a file).
   */
  readonly token?: { readonly realm: string; readonly service: string; readonly issuer: string; readonly rootCertBundle: string };
}

/** A docker config JSON (a kubernetes.io/dockerconfigjson Secret's .dockerconfigjson) for one registry. */
export function dockerConfig(registry: string, user: { username: string; password: string }): string {
  return JSON.stringify({ auths: { [registry]: { auth: Buffer.from(`${user.username}:${user.password}`).toString("base64") } } });
}

export interface OciRegistry {
  /** host:port as oci:// URIs name it, e.g. localhost:40123. */
  readonly address: string;
  /** https://… or http://… */
  readonly url: string;
  readonly storageDir: string;
  readonly service: Service;
}

function binary(candidates: readonly string[], what: string): string {
  const found = candidates.find((p) => existsSync(p));
  if (found === undefined) throw new Error(`${what} not found: run \`tools/edgefleet setup\` (installs the Debian package)`);
  return found;
}

/** Distribution accepts only bcrypt in its htpasswd file; apache2-utils' htpasswd makes it (cost 4: tests). */
function htpasswd(users: Readonly<Record<string, string>>): string {
  const tool = binary(HTPASSWD, "htpasswd (apache2-utils)");
  return Object.entries(users)
    .map(([user, password]) => execFileSync(tool, ["-nbB", "-C", "4", user, password], { encoding: "utf8" }).trim())
    .join("\n");
}

/**
 * Runs the real OCI registry (CNCF Distribution) as a host process: HTTPS with the given
 * certificate, htpasswd or token authentication, filesystem storage. Resolves once it accepts
 * connections.
 */
export async function startOciRegistry(options: OciRegistryOptions): Promise<OciRegistry> {
  const command = binary(BINARY, "docker-registry");
  mkdirSync(options.dir, { recursive: true });
  const port = options.port ?? (await freePort());
  const host = options.host ?? "127.0.0.1";
  const storageDir = join(options.dir, "storage");
  const http: Record<string, unknown> = {
    addr: `${host}:${port}`,
    secret: "edgefleet-local",
    headers: { "X-Content-Type-Options": ["nosniff"] },
  };
  if (options.tls) {
    writeFileSync(join(options.dir, "registry.crt"), options.tls.cert);
    writeFileSync(join(options.dir, "registry.key"), options.tls.key, { mode: 0o600 });
    http.tls = { certificate: join(options.dir, "registry.crt"), key: join(options.dir, "registry.key") };
  }
  let auth: Record<string, unknown> | undefined;
  if (options.users) {
    writeFileSync(join(options.dir, "htpasswd"), `${htpasswd(options.users)}\n`, { mode: 0o600 });
    auth = { htpasswd: { realm: "edgefleet", path: join(options.dir, "htpasswd") } };
  } else if (options.token) {
    const { realm, service, issuer, rootCertBundle } = options.token;
    auth = { token: { realm, service, issuer, rootcertbundle: rootCertBundle } };
  }
  const configFile = join(options.dir, "config.yml");
  writeFileSync(
    configFile,
    stringify({
      version: 0.1,
      log: { level: "info", formatter: "json", accesslog: { disabled: true } },
      storage: { filesystem: { rootdirectory: storageDir }, delete: { enabled: true } },
      http,
      ...(auth ? { auth } : {}),
    }),
  );
  const service = new Service({
    name: "docker-registry",
    command,
    args: ["serve", configFile],
    logFile: join(options.dir, "registry.log"),
    readiness: { tcpPort: port, tcpHost: host === "0.0.0.0" ? "127.0.0.1" : host },
    startTimeoutMs: 30_000,
  });
  await service.start();
  const address = `${options.hostName ?? "localhost"}:${port}`;
  return { address, url: `${options.tls ? "https" : "http"}://${address}`, storageDir, service };
}
