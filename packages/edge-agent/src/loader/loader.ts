import { errorMessage, type Logger } from "@edgefleet/kit";
import type { LoaderOptions } from "./options.js";
import { loadRequest, SERVER_VERSION, serverModelName } from "./server-model.js";

/** How long a readiness check of the server may take. */
const CHECK_TIMEOUT_MS = 5_000;
/** How long a load may take: the server reads the file and builds its engine before it answers. */
const LOAD_TIMEOUT_MS = 300_000;
const UNLOAD_TIMEOUT_MS = 5_000;

/** A load the server refused for good (a file it cannot load, a wrong key): trying again changes nothing. */
export class LoadRefused extends Error {}

/**
 * One model version in a node's shared server: loaded under a name of its own (serverModelName),
 * kept loaded by ensureLoaded (a restarted server has lost it), unloaded when its pod stops.
 */
export class ModelLoader {
  readonly serverName: string;
  private loaded = false;

  constructor(
    private readonly options: Pick<
      LoaderOptions,
      "server" | "namespace" | "name" | "version" | "sha256" | "format" | "loadHeader" | "loadKey"
    >,
    /** The verified file's bytes: what is sent is what was hashed. */
    private readonly bytes: Buffer,
    private readonly log: Logger,
  ) {
    this.serverName = serverModelName(options.namespace, options.name, options.version, options.sha256);
  }

  /** Whether the server had the model loaded and ready at the last check. */
  get ready(): boolean {
    return this.loaded;
  }

  /** The server's path for the model version: /v2/models/SERVER_NAME/versions/1. */
  get serverPath(): string {
    return `/v2/models/${encodeURIComponent(this.serverName)}/versions/${SERVER_VERSION}`;
  }

  /**
   * Checks that the server has the model ready, loading it when not. Throws LoadRefused when the
   * server refuses the load for good, anything else (the server not reachable yet, or restarting)
   * to be tried again at the next check.
   */
  async ensureLoaded(): Promise<void> {
    const check = await fetch(`${this.options.server}${this.serverPath}/ready`, { signal: AbortSignal.timeout(CHECK_TIMEOUT_MS) }).catch(
      () => undefined,
    );
    await check?.body?.cancel();
    if (check?.ok) {
      this.loaded = true;
      return;
    }
    if (this.loaded) this.log.warn("the server no longer has the model; loading it again", { serverModel: this.serverName });
    this.loaded = false;
    const started = performance.now();
    const res = await fetch(this.repositoryUrl("load"), {
      method: "POST",
      headers: { "Content-Type": "application/json", [this.options.loadHeader]: this.options.loadKey },
      body: loadRequest(this.options.format, this.bytes),
      signal: AbortSignal.timeout(LOAD_TIMEOUT_MS),
    });
    const answer = await res.text();
    if (res.ok) {
      this.loaded = true;
      this.log.info("model loaded into the server", { serverModel: this.serverName, seconds: (performance.now() - started) / 1000 });
      return;
    }
    const error = errorOf(answer);
    // 400: the server cannot load this file; 403: the key is wrong; 413: the file is over its limit.
    if (res.status === 400 || res.status === 403 || res.status === 413)
      throw new LoadRefused(
        `the server refused to load model ${this.options.namespace}/${this.options.name} version ${this.options.version} (HTTP ${res.status}): ${error}`,
      );
    throw new Error(`the server answered the load with HTTP ${res.status}: ${error}`);
  }

  /** Unloads the model version (when the pod stops): best effort, since the server may be gone too. */
  async unload(): Promise<void> {
    this.loaded = false;
    try {
      const res = await fetch(this.repositoryUrl("unload"), {
        method: "POST",
        headers: { "Content-Type": "application/json", [this.options.loadHeader]: this.options.loadKey },
        body: "{}",
        signal: AbortSignal.timeout(UNLOAD_TIMEOUT_MS),
      });
      await res.body?.cancel();
      this.log.info("model unloaded from the server", { serverModel: this.serverName, status: res.status });
    } catch (err) {
      this.log.warn("model not unloaded: the server did not answer", { serverModel: this.serverName, error: errorMessage(err) });
    }
  }

  private repositoryUrl(action: "load" | "unload"): string {
    return `${this.options.server}/v2/repository/models/${encodeURIComponent(this.serverName)}/${action}`;
  }
}

function errorOf(text: string): string {
  try {
    return String((JSON.parse(text) as { error?: unknown }).error ?? text);
  } catch {
    return text.slice(0, 500);
  }
}
