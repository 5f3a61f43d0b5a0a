/** Where fetched bytes go: appended in order, starting at `offset` (what a resumed download skips). */
export interface ByteSink {
  readonly offset: number;
  write(chunk: Uint8Array): void;
  /** Drops everything written, for a source that cannot resume and starts over. */
  reset(): void;
}

export interface Progress {
  bytes: number;
  total: number | undefined;
}

export interface FetchRequest {
  uri: string;
  sink: ByteSink;
  /**
   * The size the file must have: a source that reports another, or sends more, is refused
   * (size-mismatch). Unknown for signature files, which the sink bounds instead.
   */
  sizeBytes?: number;
  /**
   * The artifact's SHA-256 when fetching the model file itself (the installer checks it after the
   * download). Content-addressed sources use it to choose what to fetch: an OCI artifact's layer
   * with this digest. Unset for a signature file, whose OCI layer is chosen by its media type.
   */
  sha256?: string;
  onProgress?: (progress: Progress) => void;
  signal?: AbortSignal;
}

/**
 * Copies one remote file into a sink, resuming from sink.offset. Resolves once the source has no
 * more bytes (the caller checks the size and digest); rejects with an ArtifactRefusal
 * (download-failed, or size-mismatch when the source itself disagrees with sizeBytes).
 */
export interface Fetcher {
  fetch(request: FetchRequest): Promise<void>;
}
