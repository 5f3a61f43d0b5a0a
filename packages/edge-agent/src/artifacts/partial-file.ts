import { createHash, type Hash } from "node:crypto";
import { closeSync, fsyncSync, ftruncateSync, openSync, writeSync } from "node:fs";
import { hashFd } from "./digest.js";
import type { ByteSink } from "./fetcher.js";

/**
 * A download in progress: appends at the end and hashes every byte as it goes, so the digest is
 * ready when the last byte lands. Reopening an existing partial file hashes what it already holds,
 * which is what lets a download resume after the agent was killed.
 */
export class PartialFile implements ByteSink {
  private hash: Hash = createHash("sha256");
  private length = 0;
  private closed = false;

  private constructor(
    readonly path: string,
    private readonly fd: number,
  ) {}

  static open(path: string): PartialFile {
    const file = new PartialFile(path, openSync(path, "a+"));
    file.length = hashFd(file.fd, file.hash);
    return file;
  }

  get offset(): number {
    return this.length;
  }

  write(chunk: Uint8Array): void {
    // "a+" appends whatever position is given, so the file grows exactly as the hash does.
    try {
      for (let done = 0; done < chunk.byteLength; ) done += writeSync(this.fd, chunk, done, chunk.byteLength - done);
    } catch (err) {
      // Cut a half-written chunk off so the file and the hash still agree; it is refetched on resume.
      ftruncateSync(this.fd, this.length);
      throw err;
    }
    this.hash.update(chunk);
    this.length += chunk.byteLength;
  }

  reset(): void {
    ftruncateSync(this.fd, 0);
    this.hash = createHash("sha256");
    this.length = 0;
  }

  /** Hex SHA-256 of the bytes written so far. */
  digest(): string {
    return this.hash.copy().digest("hex");
  }

  /** Forces the bytes to stable storage before the file is renamed into the cache. */
  sync(): void {
    fsyncSync(this.fd);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    closeSync(this.fd);
  }
}
