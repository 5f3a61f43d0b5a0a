import { readFileSync } from "node:fs";
import type * as https from "node:https";
import { homedir } from "node:os";
import { dirname, isAbsolute, join } from "node:path";
import { parse } from "yaml";

/** Where the API server is and how to authenticate to it. */
export interface Credentials {
  server: URL;
  /** TLS material and headers for a request; may refresh tokens, so ask per request or cache briefly. */
  requestOptions(): Promise<https.RequestOptions>;
}

const SERVICE_ACCOUNT = "/var/run/secrets/kubernetes.io/serviceaccount";

interface NamedEntry<T> {
  name: string;
  [key: string]: unknown;
  cluster?: T;
  user?: T;
  context?: T;
}

interface KubeconfigFile {
  "current-context"?: string;
  clusters?: NamedEntry<Record<string, unknown>>[];
  users?: NamedEntry<Record<string, unknown>>[];
  contexts?: NamedEntry<{ cluster?: string; user?: string }>[];
}

/**
 * Credentials from a kubeconfig file, or the pod's service account in a cluster. Certificates
 * and tokens are read here directly: @kubernetes/client-node's KubeConfig pulls in its whole
 * generated API (about 75 MiB of resident memory and a second of startup), which only exec and
 * auth-provider plugins need, so only such kubeconfigs load it.
 */
export async function loadCredentials(kubeconfig?: string, env: NodeJS.ProcessEnv = process.env): Promise<Credentials> {
  const path = kubeconfig ?? env.KUBECONFIG?.split(":")[0];
  if (!path && env.KUBERNETES_SERVICE_HOST) return inCluster(env);
  const file = path || join(homedir(), ".kube", "config");
  const config = parse(readFileSync(file, "utf8")) as KubeconfigFile;
  const contextName = config["current-context"];
  const context = config.contexts?.find((c) => c.name === contextName)?.context;
  if (!context) throw new Error(`${file}: current-context "${contextName ?? ""}" names no entry of contexts`);
  const cluster = config.clusters?.find((c) => c.name === context.cluster)?.cluster;
  const user = config.users?.find((u) => u.name === context.user)?.user ?? {};
  if (!cluster || typeof cluster.server !== "string") throw new Error(`${file}: cluster "${context.cluster}" has no server`);
  if (user.exec || user["auth-provider"]) return viaClientNode(file);
  const base = dirname(file);
  const material = (dataKey: string, fileKey: string): Buffer | undefined => {
    const data = (cluster[dataKey] ?? user[dataKey]) as string | undefined;
    if (data) return Buffer.from(data, "base64");
    const path = (cluster[fileKey] ?? user[fileKey]) as string | undefined;
    return path ? readFileSync(isAbsolute(path) ? path : join(base, path)) : undefined;
  };
  const tls: https.RequestOptions = defined({
    ca: material("certificate-authority-data", "certificate-authority"),
    cert: material("client-certificate-data", "client-certificate"),
    key: material("client-key-data", "client-key"),
    rejectUnauthorized: cluster["insecure-skip-tls-verify"] === true ? false : undefined,
    servername: cluster["tls-server-name"] as string | undefined,
  });
  const tokenFile = user.tokenFile as string | undefined;
  const token = () => (tokenFile ? readFileSync(tokenFile, "utf8").trim() : (user.token as string | undefined));
  const basic = user.username ? Buffer.from(`${user.username}:${user.password ?? ""}`).toString("base64") : undefined;
  return {
    server: new URL(cluster.server),
    async requestOptions() {
      const bearer = token();
      const authorization = bearer ? `Bearer ${bearer}` : basic ? `Basic ${basic}` : undefined;
      return { ...tls, headers: authorization ? { Authorization: authorization } : {} };
    },
  };
}

function inCluster(env: NodeJS.ProcessEnv): Credentials {
  const host = env.KUBERNETES_SERVICE_HOST ?? "";
  const ca = readFileSync(join(SERVICE_ACCOUNT, "ca.crt"));
  return {
    server: new URL(`https://${host.includes(":") ? `[${host}]` : host}:${env.KUBERNETES_SERVICE_PORT ?? "443"}`),
    // Projected service account tokens rotate: read the file each time the client asks.
    async requestOptions() {
      return { ca, headers: { Authorization: `Bearer ${readFileSync(join(SERVICE_ACCOUNT, "token"), "utf8").trim()}` } };
    },
  };
}

async function viaClientNode(file: string): Promise<Credentials> {
  const { KubeConfig } = await import("@kubernetes/client-node");
  const kc = new KubeConfig();
  kc.loadFromFile(file);
  const server = kc.getCurrentCluster()?.server;
  if (!server) throw new Error(`${file}: the current context names no cluster with a server`);
  return {
    server: new URL(server),
    async requestOptions() {
      const options: https.RequestOptions = {};
      await kc.applyToHTTPSOptions(options);
      delete options.agent;
      return options;
    },
  };
}

function defined(fields: Record<string, unknown>): https.RequestOptions {
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined));
}
