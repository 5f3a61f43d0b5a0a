import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import type { Fetcher } from "./fetcher.js";
import { ArtifactRefusal } from "./refusal.js";

/** Copies a local file (file:// URI): for the local demo and for artifacts pre-loaded on a device. */
export function fileFetcher(): Fetcher {
  return {
    async fetch({ uri, sink, sizeBytes, onProgress, signal }) {
      try {
        const path = fileURLToPath(uri);
        const { size } = await stat(path);
        if (sizeBytes !== undefined && size !== sizeBytes)
          throw new ArtifactRefusal("size-mismatch", `${uri} has ${size} bytes, the artifact's sizeBytes is ${sizeBytes}`);
        if (sink.offset > size) sink.reset();
        for await (const chunk of createReadStream(path, { start: sink.offset, ...(signal ? { signal } : {}) })) {
          const bytes = chunk as Buffer;
          // The file can change under us; never take more than the artifact's size.
          if (sink.offset + bytes.length > size) throw new ArtifactRefusal("size-mismatch", `${uri} grew while being read`);
          sink.write(bytes);
          onProgress?.({ bytes: sink.offset, total: sizeBytes });
        }
      } catch (err) {
        if (err instanceof ArtifactRefusal) throw err;
        throw new ArtifactRefusal("download-failed", `${uri}: ${(err as Error).message}`, { cause: err });
      }
    },
  };
}
