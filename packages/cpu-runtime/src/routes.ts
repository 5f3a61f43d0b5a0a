/** What a request path asks for; model routes carry the name and optional version from the path. */
export type Route =
  | { kind: "live" | "ready" | "server" | "metrics" }
  | { kind: "model" | "model-ready" | "infer"; name: string; version: string | undefined }
  | { kind: "repository-index" }
  | { kind: "repository-load" | "repository-unload"; name: string }
  | { kind: "unknown" };

const MODEL_ACTIONS: Record<string, "model-ready" | "infer"> = { ready: "model-ready", infer: "infer" };
const REPOSITORY_ACTIONS: Record<string, "repository-load" | "repository-unload"> = {
  load: "repository-load",
  unload: "repository-unload",
};

/** The routes a client POSTs to; every other one is a GET. */
export function isPost(kind: Route["kind"]): boolean {
  return kind === "infer" || kind.startsWith("repository-");
}

function decode(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

/**
 * Routes OIP v2 REST paths: /v2, /v2/health/{live,ready}, /v2/models/{name}[/versions/{v}][/ready|/infer],
 * and the model repository extension's /v2/repository/index and /v2/repository/models/{name}/{load,unload}.
 */
export function route(url: string): Route {
  const path = url.split("?", 1)[0] ?? "";
  if (path === "/metrics") return { kind: "metrics" };
  const [empty, v2, ...rest] = path.split("/");
  if (empty !== "" || v2 !== "v2") return { kind: "unknown" };
  if (rest.length === 0) return { kind: "server" };
  if (rest[0] === "health" && rest.length === 2 && (rest[1] === "live" || rest[1] === "ready")) return { kind: rest[1] };
  if (rest[0] === "repository") return repositoryRoute(rest.slice(1));
  if (rest[0] !== "models" || rest.length < 2) return { kind: "unknown" };
  const name = decode(rest[1] ?? "");
  let tail = rest.slice(2);
  let version: string | undefined;
  if (tail[0] === "versions") {
    version = decode(tail[1] ?? "");
    if (!version) return { kind: "unknown" };
    tail = tail.slice(2);
  }
  if (!name || tail.length > 1) return { kind: "unknown" };
  if (tail.length === 0) return { kind: "model", name, version };
  const kind = MODEL_ACTIONS[tail[0] ?? ""];
  return kind ? { kind, name, version } : { kind: "unknown" };
}

function repositoryRoute(rest: string[]): Route {
  if (rest.length === 1 && rest[0] === "index") return { kind: "repository-index" };
  const name = decode(rest[1] ?? "");
  const kind = REPOSITORY_ACTIONS[rest[2] ?? ""];
  return rest.length === 3 && rest[0] === "models" && name && kind ? { kind, name } : { kind: "unknown" };
}
