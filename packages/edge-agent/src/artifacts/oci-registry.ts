import { type ExchangeOptions, exchange, type HttpResponse } from "./http-exchange.js";
import { basicAuthorization, type Credentials, parseChallenge, parseTokenResponse, tokenUrl } from "./oci-auth.js";
import { ArtifactRefusal } from "./refusal.js";

export interface RegistryClientOptions {
  registry: string;
  repository: string;
  /** What the client does: a pull token is enough for devices; the publisher pushes. */
  actions: "pull" | "pull,push";
  credentials?: Credentials | undefined;
  /** Trusted CAs for the registry and its token endpoint (trustedCas() of the https options). */
  ca?: string[] | undefined;
  /** http:// instead of https://: only for a registry explicitly allowed plain HTTP. */
  plainHttp?: boolean;
  timeoutMs?: number;
}

/**
 * Talks to one repository of a registry over the OCI distribution API, authenticating as the
 * registry asks: anonymously, with HTTP Basic, or with a Bearer token from the token endpoint its
 * challenge names (Basic credentials sent there when there are some). The Authorization found is
 * kept for later requests, the blob download included.
 */
export class RegistryClient {
  readonly origin: string;
  private authorization: string | undefined;

  constructor(private readonly options: RegistryClientOptions) {
    this.origin = `${options.plainHttp ? "http" : "https"}://${options.registry}`;
  }

  /** `/v2/<repository>/<path>` on the registry. */
  url(path: string): URL {
    return new URL(`/v2/${this.options.repository}/${path}`, this.origin);
  }

  /** Headers that authenticate a request to the registry (empty while anonymous access works). */
  authHeaders(): Record<string, string> {
    return this.authorization === undefined ? {} : { authorization: this.authorization };
  }

  /** A request to the registry (a path under the repository, or an absolute URL it gave), authenticating on a 401. */
  async request(target: string | URL, options: ExchangeOptions = {}): Promise<HttpResponse> {
    const url = typeof target === "string" ? this.url(target) : target;
    const send = () => exchange(url, { ...this.exchangeOptions(), ...options, headers: { ...options.headers, ...this.authHeaders() } });
    const first = await send();
    if (first.status !== 401) return first;
    const header = first.headers["www-authenticate"];
    await this.authenticate(Array.isArray(header) ? header[0] : header);
    const second = await send();
    if (second.status === 401) {
      throw new ArtifactRefusal(
        "download-failed",
        `registry ${this.options.registry} refused the credentials (HTTP 401): check the pull secret's user and password`,
      );
    }
    return second;
  }

  private exchangeOptions(): ExchangeOptions {
    return { ca: this.options.ca, ...(this.options.timeoutMs ? { timeoutMs: this.options.timeoutMs } : {}) };
  }

  private async authenticate(header: string | undefined): Promise<void> {
    const { registry, repository, actions, credentials } = this.options;
    const challenge = header === undefined ? undefined : parseChallenge(header);
    const needCredentials = () =>
      new ArtifactRefusal(
        "download-failed",
        `registry ${registry} asks for credentials (HTTP 401) and none are configured for it: give the EdgeModel artifact a pullSecretRef (a kubernetes.io/dockerconfigjson Secret), or --registry-auth`,
      );
    if (challenge?.scheme === "basic") {
      if (!credentials) throw needCredentials();
      this.authorization = basicAuthorization(credentials);
      return;
    }
    if (challenge?.scheme !== "bearer")
      throw new ArtifactRefusal(
        "download-failed",
        `registry ${registry} answered 401 with no Basic or Bearer challenge (${header ?? "none"})`,
      );
    let url: URL;
    try {
      url = tokenUrl(challenge, `repository:${repository}:${actions}`, this.options.plainHttp === true);
    } catch (err) {
      throw new ArtifactRefusal("download-failed", `registry ${registry}: ${(err as Error).message}`);
    }
    const answer = await exchange(url, {
      ...this.exchangeOptions(),
      headers: credentials ? { authorization: basicAuthorization(credentials) } : {},
    });
    if (answer.status === 401 || answer.status === 403) {
      if (!credentials) throw needCredentials();
      throw new ArtifactRefusal(
        "download-failed",
        `registry ${registry}'s token endpoint ${url.origin}${url.pathname} refused the credentials (HTTP ${answer.status})`,
      );
    }
    if (answer.status !== 200)
      throw new ArtifactRefusal(
        "download-failed",
        `registry ${registry}'s token endpoint ${url.origin}${url.pathname}: HTTP ${answer.status}`,
      );
    try {
      this.authorization = `Bearer ${parseTokenResponse(answer.body)}`;
    } catch (err) {
      throw new ArtifactRefusal("download-failed", `registry ${registry}: ${(err as Error).message}`);
    }
  }
}
