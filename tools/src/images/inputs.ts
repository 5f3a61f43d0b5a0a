import { createHash } from "node:crypto";
import { lstatSync, readdirSync, readFileSync, readlinkSync } from "node:fs";
import { join } from "node:path";

/**
 * What an image is built from, reduced to one hash: the cache key of its OCI archive. Anything
 * that can change the image's bytes belongs here; nothing else may, or an unchanged tree rebuilds.
 */
export interface ImageInputs {
  /** The Dockerfile's text. */
  readonly dockerfile: string;
  readonly buildArgs: Readonly<Record<string, string>>;
  /** The base image's own key (its recipe), so a new base rebuilds every image on it. */
  readonly base: string;
  /** Every file the Dockerfile copies from the build context: relative path → sha256 of mode and content. */
  readonly files: ReadonlyMap<string, string>;
}

const sha256 = (data: string | Buffer) => createHash("sha256").update(data).digest("hex");

/** The key of these inputs: independent of the order the files were read in or the arguments given in. */
export function inputKey(inputs: ImageInputs): string {
  const sorted = <T>(entries: Iterable<[string, T]>) => [...entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return sha256(
    JSON.stringify({
      dockerfile: inputs.dockerfile,
      buildArgs: sorted(Object.entries(inputs.buildArgs)),
      base: inputs.base,
      files: sorted(inputs.files),
    }),
  );
}

/**
 * Hashes every file under each source (a file or a folder, relative to root), as COPY would take
 * them: the executable bit matters, a symlink is hashed as its target path. A missing source
 * fails here with its name rather than later in the build.
 */
export function hashSources(root: string, sources: readonly string[]): Map<string, string> {
  const files = new Map<string, string>();
  const visit = (rel: string) => {
    const path = join(root, rel);
    const stat = lstatSync(path, { throwIfNoEntry: false });
    if (!stat) throw new Error(`${rel}: the Dockerfile copies it, but it does not exist under ${root}`);
    if (stat.isDirectory()) {
      for (const entry of readdirSync(path).sort()) visit(`${rel}/${entry}`);
    } else if (stat.isSymbolicLink()) {
      files.set(rel, sha256(`link:${readlinkSync(path)}`));
    } else {
      files.set(rel, sha256(Buffer.concat([Buffer.from(stat.mode & 0o111 ? "x:" : "f:"), readFileSync(path)])));
    }
  };
  for (const source of sources) visit(source.replace(/\/+$/, "").replace(/^\.\//, ""));
  return files;
}
