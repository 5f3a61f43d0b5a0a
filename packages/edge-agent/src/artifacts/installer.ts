import { createHash } from "node:crypto";
import { type Logger, silentLogger } from "@edgefleet/kit";
import { DEFAULT_EVALUATION_MAX_BYTES } from "../inference/evaluation.js";
import type { ArtifactCache } from "./cache.js";
import { sha256FileAsync } from "./digest.js";
import type { Progress } from "./fetcher.js";
import { createFetcher, type FetcherOptions } from "./fetchers.js";
import { type InstallLocks, inProcessLocks } from "./install-locks.js";
import { MemorySink } from "./memory-sink.js";
import type { ModelState } from "./model-state.js";
import type { PartialFile } from "./partial-file.js";
import { ArtifactRefusal, asRefusal } from "./refusal.js";
import type { FailureReporter } from "./reporter.js";
import { MAX_SIGNATURE_BYTES, type VerifiedFormat, verifySignatureFile } from "./verify-signature.js";

/** An EdgeModel variant's artifact, with the public key already read from the Secret it references. */
export interface ArtifactSpec {
  uri: string;
  sha256: string;
  sizeBytes: number;
  /**
   * publicKeyPem: one PEM public key, or several concatenated (a trust policy's), any of which may
   * have signed; scopedOnly: accept only edgefleet v2 statements (a trust policy's default).
   */
  signature?: { uri: string; publicKeyPem: string; scopedOnly?: boolean };
  /**
   * The largest sizeBytes accepted, and what sets it for messages (a trust policy's maxArtifactBytes):
   * a larger artifact is refused before anything is fetched. The download never exceeds sizeBytes.
   */
  maxBytes?: { bytes: number; from: string };
}

export interface InstallRequest {
  namespace: string;
  model: string;
  version: string;
  /** The variant being installed, checked against a scoped statement's when given. */
  variant?: string;
  artifact: ArtifactSpec;
  onProgress?: (progress: Progress) => void;
  /** Aborting it (an install deadline) fails the install with the abort's reason as the refusal's detail. */
  signal?: AbortSignal;
  /**
   * The variant's labelled evaluation data (profile.accuracy.evaluation), which the node's agent
   * scores the runtime on: stored in the cache by digest once the model is, and never failing the install.
   */
  evaluation?: { uri: string; sha256: string };
}

/** What became of a request's evaluation data; the model is installed either way. */
export type EvaluationOutcome = { stored: true; downloaded: boolean } | { stored: false; error: string };

export type InstallOutcome =
  | { installed: true; state: ModelState; downloaded: boolean; evaluation?: EvaluationOutcome }
  /** The node keeps `state`, what it served before. */
  | { installed: false; refusal: ArtifactRefusal; state: ModelState | undefined };

export interface InstallerOptions {
  cache: ArtifactCache;
  /** Refuse artifacts without a signature (signature-missing). On by default; off only for local experiments. */
  requireSignature?: boolean;
  fetchers?: FetcherOptions;
  reporter?: FailureReporter;
  log?: Logger;
  /** Shared with installs of other processes (install-cli's file locks); by default only this one installs. */
  locks?: InstallLocks;
  /** The largest evaluation data file fetched; DEFAULT_EVALUATION_MAX_BYTES by default. */
  evaluationMaxBytes?: number;
}

/**
 * Fetches, verifies and activates model artifacts. Nothing reaches the cache's blobs unless its
 * size, sha256 and signature all check out, and a refusal leaves the active version as it was.
 * Installs run one at a time, so two models sharing a digest never write the same partial file;
 * across processes, `locks` does the same per digest.
 */
export class Installer {
  private queue: Promise<unknown> = Promise.resolve();
  private readonly cache: ArtifactCache;
  private readonly requireSignature: boolean;
  private readonly log: Logger;
  private readonly locks: InstallLocks;
  private readonly evaluationMaxBytes: number;

  constructor(private readonly options: InstallerOptions) {
    this.cache = options.cache;
    this.requireSignature = options.requireSignature ?? true;
    this.log = options.log ?? silentLogger;
    this.locks = options.locks ?? inProcessLocks;
    this.evaluationMaxBytes = options.evaluationMaxBytes ?? DEFAULT_EVALUATION_MAX_BYTES;
  }

  /** Never rejects: every failure is a refusal in the outcome, reported and logged. */
  install(request: InstallRequest): Promise<InstallOutcome> {
    const run = this.queue.then(() => this.run(request));
    this.queue = run;
    return run;
  }

  private async run(request: InstallRequest): Promise<InstallOutcome> {
    const { namespace, model, version, artifact, signal, evaluation } = request;
    try {
      this.checkSize(artifact);
      const signature = await this.verifySignature(request);
      // The digest stays locked until activation pins it, so no other install evicts it in between.
      const { downloaded, state, evicted } = await this.locks.withBlob(artifact.sha256, signal, async () => {
        const downloaded = await this.ensureBlob(request);
        return this.locks.withCache(signal, () => {
          const state = this.cache.activate(namespace, model, {
            version,
            sha256: artifact.sha256,
            sizeBytes: artifact.sizeBytes,
            // Pinned from now on, so the data cannot be evicted between its download and its first read.
            ...(evaluation ? { evaluationSha256: evaluation.sha256 } : {}),
          });
          return { downloaded, state, evicted: this.cache.evict() };
        });
      });
      this.log.info("artifact installed", {
        namespace,
        model,
        version,
        sha256: artifact.sha256,
        signature,
        downloaded,
        evicted: evicted.length,
      });
      if (!evaluation) return { installed: true, state, downloaded };
      return { installed: true, state, downloaded, evaluation: await this.installEvaluation(evaluation, signal) };
    } catch (err) {
      const refusal = asRefusal(err, signal);
      this.options.reporter?.record({ namespace, model, version }, refusal);
      let state: ModelState | undefined;
      try {
        state = this.cache.state(namespace, model);
      } catch {
        state = undefined; // an invalid name already made the install fail; there is no state to report
      }
      return { installed: false, refusal, state };
    }
  }

  /** sizeBytes within the artifact's bound and the cache's: nothing bigger is fetched. */
  private checkSize({ sizeBytes, maxBytes }: ArtifactSpec): void {
    if (maxBytes && sizeBytes > maxBytes.bytes)
      throw new ArtifactRefusal("size-mismatch", `sizeBytes ${sizeBytes} is more than ${maxBytes.from} (${maxBytes.bytes} bytes)`);
    if (sizeBytes > this.cache.maxBytes)
      throw new ArtifactRefusal(
        "size-mismatch",
        `sizeBytes ${sizeBytes} is more than the whole artifact cache (${this.cache.maxBytes} bytes, --cache-max-bytes)`,
      );
  }

  /**
   * Checked before the download, so a refused artifact costs a device no bandwidth: every format
   * signs the artifact's sha256 (or the file, through it), which the download is then checked against.
   * Returns the format that verified, or "none" for an unsigned artifact the policy allows.
   */
  private async verifySignature({
    namespace,
    model,
    version,
    variant,
    artifact,
    signal,
  }: InstallRequest): Promise<VerifiedFormat | "none"> {
    if (!artifact.signature) {
      if (this.requireSignature)
        throw new ArtifactRefusal("signature-missing", "the artifact has no signature and the policy requires one");
      return "none";
    }
    const sink = new MemorySink(MAX_SIGNATURE_BYTES);
    try {
      await createFetcher(artifact.signature.uri, this.options.fetchers).fetch({
        uri: artifact.signature.uri,
        sink,
        ...(signal ? { signal } : {}),
      });
    } catch (err) {
      if (sink.tooLarge) throw new ArtifactRefusal("signature-invalid", `signature file is larger than ${MAX_SIGNATURE_BYTES} bytes`);
      throw asRefusal(err);
    }
    const { publicKeyPem, scopedOnly } = artifact.signature;
    return verifySignatureFile(sink.bytes(), publicKeyPem, {
      model,
      version,
      sha256: artifact.sha256,
      namespace,
      ...(variant === undefined ? {} : { variant }),
      ...(scopedOnly ? { scopedOnly } : {}),
    });
  }

  /**
   * Stores the evaluation data in the cache by its digest, fetched as the model was (the same
   * fetchers: registry credentials, CA bundle, retries), at most evaluationMaxBytes and only when it
   * hashes to its sha256. Never throws: the model is active and serves without it, the failure is
   * logged, and the agent probes the runtime with synthetic inputs until the data is in the cache.
   */
  private async installEvaluation(
    { uri, sha256 }: { uri: string; sha256: string },
    signal: AbortSignal | undefined,
  ): Promise<EvaluationOutcome> {
    try {
      const downloaded = await this.locks.withBlob(sha256, signal, () => this.ensureEvaluationBlob(uri, sha256, signal));
      this.log.info("evaluation data stored", { uri, sha256, downloaded });
      return { stored: true, downloaded };
    } catch (err) {
      // Not an artifact refusal, whose reasons rollout analysis counts against the version: only
      // its message (the deadline's, once aborted).
      const error = asRefusal(err, signal).message;
      this.log.warn("evaluation data not stored; the model serves and is probed with synthetic inputs", { uri, sha256, error });
      return { stored: false, error };
    }
  }

  /** Evaluation data is small: fetched into memory, checked, then written. The caller holds the digest's lock. */
  private async ensureEvaluationBlob(uri: string, sha256: string, signal: AbortSignal | undefined): Promise<boolean> {
    const release = this.cache.reserve(sha256);
    try {
      if ((await this.cachedBlob(sha256, signal)) !== undefined) return false;
      const sink = new MemorySink(this.evaluationMaxBytes);
      try {
        // sha256 chooses an OCI artifact's layer, as for a model file.
        await createFetcher(uri, this.options.fetchers).fetch({ uri, sink, sha256, ...(signal ? { signal } : {}) });
      } catch (err) {
        if (sink.tooLarge) throw new Error(`${uri} is larger than the ${this.evaluationMaxBytes} bytes allowed (--evaluation-max-bytes)`);
        throw err;
      }
      const bytes = sink.bytes();
      const actual = createHash("sha256").update(bytes).digest("hex");
      if (actual !== sha256) throw new Error(`${uri} has sha256 ${actual}, the evaluation's sha256 is ${sha256}`);
      await this.locks.withCache(signal, () => this.cache.evict(bytes.length));
      const partial = this.cache.openPartial(sha256);
      try {
        partial.reset(); // whatever an interrupted write of this digest left
        partial.write(bytes);
      } catch (err) {
        this.cache.discardPartial(partial);
        throw err;
      }
      this.cache.commit(partial, sha256);
      return true;
    } finally {
      release();
    }
  }

  /** Puts the verified file in the cache; false when it was there already. The caller holds the digest's lock. */
  private async ensureBlob({ artifact, onProgress, signal }: InstallRequest): Promise<boolean> {
    const { uri, sha256, sizeBytes } = artifact;
    const fetcher = createFetcher(uri, this.options.fetchers);
    const release = this.cache.reserve(sha256);
    try {
      const cached = await this.cachedBlob(sha256, signal);
      if (cached !== undefined) {
        if (cached !== sizeBytes)
          throw new ArtifactRefusal("size-mismatch", `cached blob ${sha256} has ${cached} bytes, the artifact's sizeBytes is ${sizeBytes}`);
        return false;
      }
      await this.locks.withCache(signal, () => this.cache.evict(sizeBytes));
      const partial = this.cache.openPartial(sha256);
      try {
        await fetcher.fetch({
          uri,
          sink: partial,
          sizeBytes,
          sha256,
          ...(onProgress ? { onProgress } : {}),
          ...(signal ? { signal } : {}),
        });
      } catch (err) {
        // A network failure keeps the bytes so far for the next attempt; a wrong size does not.
        if (err instanceof ArtifactRefusal && err.reason !== "download-failed") this.cache.discardPartial(partial);
        else partial.close();
        throw err;
      }
      this.verifyDownload(partial, artifact);
      this.cache.commit(partial, sha256);
      return true;
    } finally {
      release();
    }
  }

  /**
   * The size of the digest's blob when the cache holds it, hashed again: a runtime loads it right
   * after this install, and a blob changed on disk since it was verified (a bad sector, a process
   * with write access to the cache) must not be loaded on the strength of its name. A blob that does
   * not hash to its name is removed, logged, and downloaded again.
   */
  private async cachedBlob(sha256: string, signal: AbortSignal | undefined): Promise<number | undefined> {
    const cached = this.cache.blobSize(sha256);
    if (cached === undefined) return undefined;
    const actual = await sha256FileAsync(this.cache.blobPath(sha256), signal);
    if (actual !== sha256) {
      this.log.warn("cached blob corrupted; downloading it again", {
        sha256,
        detail: `the blob holds ${cached} bytes with sha256 ${actual}`,
      });
      this.cache.discardBlob(sha256);
      return undefined;
    }
    return cached;
  }

  private verifyDownload(partial: PartialFile, { uri, sha256, sizeBytes }: ArtifactSpec): void {
    let refusal: ArtifactRefusal | undefined;
    if (partial.offset !== sizeBytes) {
      refusal = new ArtifactRefusal(
        "size-mismatch",
        `${uri} ended after ${partial.offset} bytes, the artifact's sizeBytes is ${sizeBytes}`,
      );
    } else if (partial.digest() !== sha256) {
      refusal = new ArtifactRefusal("digest-mismatch", `${uri} has sha256 ${partial.digest()}, the artifact's sha256 is ${sha256}`);
    }
    if (refusal) {
      this.cache.discardPartial(partial);
      throw refusal;
    }
  }
}
