import type { ByteSink } from "./fetcher.js";

/** A small download kept in memory (a signature file), refusing to grow past a limit. */
export class MemorySink implements ByteSink {
  private chunks: Buffer[] = [];
  /** Set when the source had more than maxBytes: a malformed file, not a network failure. */
  tooLarge = false;
  private length = 0;

  constructor(private readonly maxBytes: number) {}

  get offset(): number {
    return this.length;
  }

  write(chunk: Uint8Array): void {
    if (this.length + chunk.byteLength > this.maxBytes) {
      this.tooLarge = true;
      throw new Error(`larger than ${this.maxBytes} bytes`);
    }
    this.chunks.push(Buffer.from(chunk));
    this.length += chunk.byteLength;
  }

  reset(): void {
    this.chunks = [];
    this.length = 0;
  }

  bytes(): Buffer {
    return Buffer.concat(this.chunks);
  }
}
