/** One WWW-Authenticate challenge: its scheme (lowercase) and parameters (realm, service, scope). */
export interface Challenge {
  scheme: string;
  params: Record<string, string>;
}

/**
 * Parses a WWW-Authenticate header (RFC 9110 §11.6.1): `Bearer realm="…",service="…",scope="…"`
 * or `Basic realm="…"`. Only the first challenge is read: registries send one.
 */
export function parseChallenge(header: string): Challenge | undefined {
  const match = /^\s*([A-Za-z][A-Za-z0-9!#$%&'*+.^_`|~-]*)\s*(.*)$/s.exec(header);
  if (!match?.[1]) return undefined;
  const params: Record<string, string> = {};
  const param = /\s*([A-Za-z0-9_-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]*))\s*(?:,|$)/gy;
  const rest = match[2] ?? "";
  for (let m = param.exec(rest); m !== null && m[0] !== ""; m = param.exec(rest)) {
    params[(m[1] ?? "").toLowerCase()] = m[2] !== undefined ? m[2].replace(/\\(.)/g, "$1") : (m[3] ?? "");
  }
  return { scheme: match[1].toLowerCase(), params };
}

export interface Credentials {
  username: string;
  password: string;
}

/** host[:port] of a docker config `auths` key: "https://registry.example:5000/v1/" -> "registry.example:5000". */
function registryHost(key: string): string {
  return key
    .replace(/^[a-z]+:\/\//i, "")
    .replace(/\/.*$/, "")
    .toLowerCase();
}

// Docker Hub is written under its legacy index name in every docker config.
const DOCKER_HUB = ["index.docker.io", "registry-1.docker.io", "docker.io"];

/**
 * The credentials for one registry from a `kubernetes.io/dockerconfigjson` Secret's
 * `.dockerconfigjson` (what `kubectl create secret docker-registry` writes, and `~/.docker/config.json`):
 * `{"auths": {"<registry>": {"auth": base64("user:password")} | {"username", "password"}}}`.
 * Undefined when it has none for this registry; throws on a malformed file, naming what is wrong.
 */
export function registryCredentials(configJson: string, registry: string, source = "the registry auth file"): Credentials | undefined {
  let config: { auths?: Record<string, { auth?: unknown; username?: unknown; password?: unknown }> };
  try {
    config = JSON.parse(configJson);
  } catch (err) {
    throw new Error(`${source} is not JSON: ${(err as Error).message}`);
  }
  if (typeof config !== "object" || config === null || typeof config.auths !== "object" || config.auths === null)
    throw new Error(`${source} has no "auths" object: give a kubernetes.io/dockerconfigjson Secret's .dockerconfigjson`);
  const want = registry.toLowerCase();
  const aliases = DOCKER_HUB.includes(want) ? DOCKER_HUB : [want];
  const entry = Object.entries(config.auths).find(([key]) => aliases.includes(registryHost(key)))?.[1];
  if (entry === undefined) return undefined;
  if (typeof entry.username === "string" && typeof entry.password === "string")
    return { username: entry.username, password: entry.password };
  if (typeof entry.auth === "string") {
    const decoded = Buffer.from(entry.auth, "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    if (colon > 0) return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
  }
  throw new Error(
    `${source}: auths[${JSON.stringify(registry)}] has neither "auth" (base64 of user:password) nor "username" and "password"`,
  );
}

export const basicAuthorization = ({ username, password }: Credentials) =>
  `Basic ${Buffer.from(`${username}:${password}`).toString("base64")}`;

/**
 * The token endpoint's URL for a Bearer challenge: realm?service=…&scope=… (the challenge's scope,
 * else ours). The registry names the realm and the credentials go there, so it must be https://;
 * http:// only when the registry itself is allowed plain HTTP (allowHttp).
 */
export function tokenUrl(challenge: Challenge, scope: string, allowHttp = false): URL {
  const realm = challenge.params.realm;
  if (!realm) throw new Error("the registry's Bearer challenge has no realm");
  let url: URL;
  try {
    url = new URL(realm);
  } catch {
    throw new Error(`the registry's Bearer challenge names a token endpoint that is not a URL: ${JSON.stringify(realm)}`);
  }
  if (url.protocol !== "https:" && !(allowHttp && url.protocol === "http:"))
    throw new Error(
      `the registry's Bearer challenge names the token endpoint ${url.origin}, which is not https://: credentials go over TLS only (a registry allowed plain HTTP may name an http:// one)`,
    );
  if (challenge.params.service) url.searchParams.set("service", challenge.params.service);
  url.searchParams.set("scope", challenge.params.scope || scope);
  return url;
}

/** The token of a token endpoint's JSON answer (`token`, or OAuth2's `access_token`). */
export function parseTokenResponse(body: Buffer): string {
  let json: { token?: unknown; access_token?: unknown };
  try {
    json = JSON.parse(body.toString("utf8"));
  } catch {
    throw new Error("the token endpoint's answer is not JSON");
  }
  const token = typeof json?.token === "string" && json.token ? json.token : json?.access_token;
  if (typeof token !== "string" || !token) throw new Error("the token endpoint's answer has no token");
  return token;
}
