import { createHash } from "node:crypto";
import { statSync } from "node:fs";
import { basename } from "node:path";
import { sha256File } from "./digest.js";
import type { RequestBody } from "./http-exchange.js";
import { RETRYABLE_STATUS, trustedCas } from "./https-fetcher.js";
import { registryCredentials } from "./oci-auth.js";
import {
  type Descriptor,
  EMPTY_CONFIG,
  MODEL_ARTIFACT_TYPE,
  MODEL_LAYER_TYPE,
  OCI_MANIFEST,
  SIGNATURE_LAYER_TYPE,
  TITLE_ANNOTATION,
} from "./oci-manifest.js";
import { parseOciReference } from "./oci-reference.js";
import { RegistryClient } from "./oci-registry.js";
import { ArtifactRefusal } from "./refusal.js";
import { type RetryOptions, resolveRetry } from "./retry.js";

export interface PushOptions {
  /** The model file. */
  file: string;
  /** The signature file's bytes (docs/artifacts.md), pushed as the artifact's signature layer. */
  signature?: Buffer;
  /** oci://registry[:port]/repository:tag */
  to: string;
  /** A docker config JSON with the registry's credentials; anonymous without an entry. */
  registryAuth?: string;
  /** PEM CA certificates trusted in addition to the public roots (a registry with a private CA). */
  extraCa?: string;
  /** http:// instead of https:// (a local registry without TLS). */
  plainHttp?: boolean;
  /** How often a push that failed on the way (a dropped connection, a busy registry) is tried again; 5 attempts unless set. */
  retry?: RetryOptions;
}

export interface PushedArtifact {
  /** oci://registry/repository@sha256:<manifest digest>: what an EdgeModel should name (immutable). */
  uri: string;
  /** The manifest's digest, sha256:<hex>. */
  digest: string;
  /** The model file's SHA-256 and size: the EdgeModel artifact's sha256 and sizeBytes. */
  sha256: string;
  sizeBytes: number;
}

/** A registry's answer that ended a push step, with its HTTP status. */
export class RegistryAnswerError extends Error {
  override readonly name = "RegistryAnswerError";
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

/** The registry's own words for a failed request (its JSON `errors`), for the publisher's error message. */
function registryError(step: string, status: number, body: Buffer): RegistryAnswerError {
  let detail = "";
  try {
    const errors = (JSON.parse(body.toString("utf8")) as { errors?: { code?: string; message?: string }[] }).errors ?? [];
    detail = errors.map((e) => `${e.code ?? ""} ${e.message ?? ""}`.trim()).join("; ");
  } catch {
    detail = body.toString("utf8").slice(0, 200).trim();
  }
  return new RegistryAnswerError(`${step}: HTTP ${status}${detail ? ` (${detail})` : ""}`, status);
}

/** Uploads one blob unless the repository has it: a monolithic POST then PUT, as the distribution spec allows. */
async function uploadBlob(client: RegistryClient, descriptor: Descriptor, body: RequestBody): Promise<void> {
  const head = await client.request(`blobs/${descriptor.digest}`, { method: "HEAD" });
  if (head.status === 200) return;
  const started = await client.request("blobs/uploads/", { method: "POST", body: Buffer.alloc(0) });
  const location = started.headers.location;
  if (started.status !== 202 || !location) throw registryError(`starting the upload of ${descriptor.digest}`, started.status, started.body);
  const url = new URL(location, client.origin);
  url.searchParams.set("digest", descriptor.digest);
  const put = await client.request(url, {
    method: "PUT",
    body,
    headers: { "content-type": "application/octet-stream" },
    timeoutMs: 300_000,
  });
  if (put.status !== 201) throw registryError(`uploading ${descriptor.digest}`, put.status, put.body);
}

const digestOf = (bytes: Buffer) => `sha256:${createHash("sha256").update(bytes).digest("hex")}`;

/**
 * Publishes a model file and its signature as one OCI artifact, in the layout ORAS writes: an OCI
 * image manifest with artifactType application/vnd.edgefleet.model.v1, the empty config, and one
 * layer per file titled with its name (org.opencontainers.image.title). The fetcher reads it, and
 * what `oras push` writes with the same media types.
 */
export async function pushArtifact(options: PushOptions): Promise<PushedArtifact> {
  const ref = parseOciReference(options.to);
  if (ref.digest !== undefined) throw new Error(`push to a tag (${options.to} names a digest, which the registry computes)`);
  const client = new RegistryClient({
    registry: ref.registry,
    repository: ref.repository,
    actions: "pull,push",
    credentials: options.registryAuth === undefined ? undefined : registryCredentials(options.registryAuth, ref.registry),
    ca: trustedCas(options.extraCa === undefined ? {} : { extraCa: options.extraCa }),
    plainHttp: options.plainHttp ?? false,
  });
  const sha256 = sha256File(options.file);
  const sizeBytes = statSync(options.file).size;
  const title = basename(options.file);
  const model: Descriptor = {
    mediaType: MODEL_LAYER_TYPE,
    digest: `sha256:${sha256}`,
    size: sizeBytes,
    annotations: { [TITLE_ANNOTATION]: title },
  };
  const signature: Descriptor | undefined = options.signature && {
    mediaType: SIGNATURE_LAYER_TYPE,
    digest: digestOf(options.signature),
    size: options.signature.length,
    annotations: { [TITLE_ANNOTATION]: `${title}.sig` },
  };
  const layers = signature ? [model, signature] : [model];
  const manifest = Buffer.from(
    JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, artifactType: MODEL_ARTIFACT_TYPE, config: EMPTY_CONFIG, layers }),
  );
  const upload = async () => {
    await uploadBlob(client, { ...EMPTY_CONFIG }, Buffer.from("{}"));
    await uploadBlob(client, model, { file: options.file, size: sizeBytes });
    if (signature && options.signature) await uploadBlob(client, signature, options.signature);
    const put = await client.request(`manifests/${ref.reference}`, {
      method: "PUT",
      body: manifest,
      headers: { "content-type": OCI_MANIFEST },
    });
    if (put.status !== 201) throw registryError(`putting the manifest ${options.to}`, put.status, put.body);
  };
  // Every step may run again: a blob the registry already holds is skipped (HEAD), and putting
  // the same manifest under the same tag twice changes nothing.
  const retry = resolveRetry(options.retry);
  for (let failures = 1; ; failures++) {
    try {
      await upload();
      break;
    } catch (err) {
      // The registry's final word (a refusal, missing or wrong credentials) stands; a connection
      // that failed or a busy registry is asked again, as the fetcher does.
      if (err instanceof ArtifactRefusal || (err instanceof RegistryAnswerError && !RETRYABLE_STATUS.has(err.status))) throw err;
      if (failures >= retry.attempts) throw new Error(`${(err as Error).message} (${failures} attempts)`, { cause: err });
      await retry.sleep(retry.delay(failures));
    }
  }
  const digest = digestOf(manifest);
  return { uri: `oci://${ref.registry}/${ref.repository}@${digest}`, digest, sha256, sizeBytes };
}
