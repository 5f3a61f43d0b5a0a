import { createHash } from "node:crypto";
import type { Fetcher, FetchRequest } from "./fetcher.js";
import { type HttpsFetcherOptions, httpsFetcher, RETRYABLE_STATUS, trustedCas } from "./https-fetcher.js";
import { registryCredentials } from "./oci-auth.js";
import { chooseLayer, MANIFEST_ACCEPT, MAX_MANIFEST_BYTES, type Manifest, parseManifest } from "./oci-manifest.js";
import { type OciReference, parseOciReference } from "./oci-reference.js";
import { RegistryClient } from "./oci-registry.js";
import { ArtifactRefusal } from "./refusal.js";
import { resolveRetry } from "./retry.js";

export interface OciFetcherOptions {
  /**
   * A docker config JSON (a `kubernetes.io/dockerconfigjson` Secret's `.dockerconfigjson`) with the
   * credentials of the registries that need them; without an entry a registry is used anonymously.
   */
  registryAuth?: string;
  /**
   * Registries (host[:port], exactly as in the URI) reached over plain http://. Never by default:
   * without TLS anyone on the path can read the pull credentials (the digests still guard the bytes).
   */
  plainHttpRegistries?: readonly string[];
}

/**
 * Fetches from an OCI registry (`oci://registry/repository:tag` or `@sha256:digest`): resolves the
 * manifest over the distribution API, chooses the layer the request wants (the model file by the
 * artifact's sha256, the signature file by its media type) and downloads that blob with the https
 * fetcher, so it resumes, retries and is verified as any other download. TLS trust (`ca`,
 * `extraCa`), retries and timeouts are the https options'.
 */
export function ociFetcher(https: HttpsFetcherOptions = {}, options: OciFetcherOptions = {}): Fetcher {
  const blobs = httpsFetcher(https);
  const ca = trustedCas(https);
  const retry = resolveRetry(https);

  async function manifest(client: RegistryClient, ref: OciReference, req: FetchRequest): Promise<Manifest> {
    for (let failures = 1; ; failures++) {
      let why: string;
      try {
        const answer = await client.request(`manifests/${ref.reference}`, {
          headers: { accept: MANIFEST_ACCEPT },
          maxBytes: MAX_MANIFEST_BYTES,
          ...(req.signal ? { signal: req.signal } : {}),
        });
        if (answer.status === 200) {
          const digest = `sha256:${createHash("sha256").update(answer.body).digest("hex")}`;
          if (ref.digest !== undefined && digest !== ref.digest)
            throw new ArtifactRefusal("digest-mismatch", `${req.uri}: the registry's manifest has digest ${digest}`);
          try {
            return parseManifest(answer.body, answer.headers["content-type"]);
          } catch (err) {
            throw new ArtifactRefusal("download-failed", `${req.uri}: ${(err as Error).message}`);
          }
        }
        if (!RETRYABLE_STATUS.has(answer.status)) {
          const hint = answer.status === 404 ? " (no such repository, tag or digest)" : "";
          throw new ArtifactRefusal("download-failed", `${req.uri}: manifest: HTTP ${answer.status}${hint}`);
        }
        why = `HTTP ${answer.status}`;
      } catch (err) {
        if (err instanceof ArtifactRefusal) throw err;
        if (req.signal?.aborted) throw new ArtifactRefusal("download-failed", `${req.uri}: aborted`, { cause: err });
        why = (err as Error).message;
      }
      if (failures >= retry.attempts) throw new ArtifactRefusal("download-failed", `${req.uri}: manifest: ${why} (${failures} attempts)`);
      await retry.sleep(retry.delay(failures), req.signal);
    }
  }

  return {
    async fetch(req) {
      let ref: OciReference;
      let credentials: ReturnType<typeof registryCredentials>;
      try {
        ref = parseOciReference(req.uri);
        credentials = options.registryAuth === undefined ? undefined : registryCredentials(options.registryAuth, ref.registry);
      } catch (err) {
        throw new ArtifactRefusal("download-failed", (err as Error).message, { cause: err });
      }
      const plainHttp = options.plainHttpRegistries?.includes(ref.registry) ?? false;
      const client = new RegistryClient({
        registry: ref.registry,
        repository: ref.repository,
        actions: "pull",
        credentials,
        ca,
        plainHttp,
        ...(https.idleTimeoutMs ? { timeoutMs: https.idleTimeoutMs } : {}),
      });
      const layer = chooseLayer(
        req.uri,
        await manifest(client, ref, req),
        req.sha256 ? { sha256: req.sha256 } : "signature",
        req.sizeBytes,
      );
      await blobs.fetchFrom(req, { url: client.url(`blobs/${layer.digest}`).href, headers: client.authHeaders(), plainHttp });
    },
  };
}
