import type { Fetcher } from "./fetcher.js";
import { fileFetcher } from "./file-fetcher.js";
import { type HttpsFetcherOptions, httpsFetcher } from "./https-fetcher.js";
import { type OciFetcherOptions, ociFetcher } from "./oci-fetcher.js";

export const FETCHER_SCHEMES = ["https", "oci", "file"] as const;

export interface FetcherOptions {
  /** TLS trust, retries and timeouts of every HTTP download, OCI registries' included. */
  https?: HttpsFetcherOptions;
  oci?: OciFetcherOptions;
}

/**
 * The fetcher for an artifact URI's scheme. URIs come from EdgeModels, so an unsupported scheme is
 * an error naming the supported ones (the installer reports it as download-failed).
 */
export function createFetcher(uri: string, options: FetcherOptions = {}): Fetcher {
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(uri)?.[1]?.toLowerCase();
  switch (scheme) {
    case "https":
      return httpsFetcher(options.https);
    case "oci":
      return ociFetcher(options.https, options.oci);
    case "file":
      return fileFetcher();
    default:
      throw new Error(
        `unsupported artifact URI ${JSON.stringify(uri)}: scheme must be one of ${FETCHER_SCHEMES.map((s) => `${s}://`).join(", ")}`,
      );
  }
}
