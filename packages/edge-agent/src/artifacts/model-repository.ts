import { createHash } from "node:crypto";
import { createReadStream, createWriteStream, mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { type ModelRepositoryLayout, TRITON_FORMATS, type TritonFormat, tritonConfig, tritonModelPath } from "@edgefleet/api";

export interface RepositoryModel {
  /** The verified blob in the node's cache. */
  blob: string;
  /** What it was verified as: the copy must hash the same. */
  sha256: string;
  /** The pod's model repository. */
  dir: string;
  layout: ModelRepositoryLayout;
  /** The name the runtime serves it under: the EdgeModel's. */
  name: string;
  /** The variant's format (EDGEFLEET_FORMAT). */
  format: string;
}

const isTritonFormat = (format: string): format is TritonFormat => (TRITON_FORMATS as string[]).includes(format);

/**
 * Copies the verified blob into the pod's model repository in the runtime's layout, hashing it as
 * it copies: the runtime then loads a file only this pod's init container wrote, with the bytes
 * that were verified, whatever is written to the node's shared cache afterwards. Written under a
 * temporary name and renamed, so a restarted init container replaces a half-written copy. Returns
 * the model file's path.
 */
export async function layOutModel(m: RepositoryModel): Promise<string> {
  if (!isTritonFormat(m.format))
    throw new Error(
      `--model-repository-layout ${m.layout} lays out ${TRITON_FORMATS.join(" and ")} files, not ${m.format}: the EdgeRuntime's supportedFormats and modelRepository disagree`,
    );
  const target = join(m.dir, tritonModelPath(m.name, m.format));
  mkdirSync(dirname(target), { recursive: true, mode: 0o755 });
  const partial = `${target}.partial`;
  // A crashed attempt's leftovers are read-only: removed, not rewritten.
  rmSync(partial, { force: true });
  const hash = createHash("sha256");
  const hashing = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      done(null, chunk);
    },
  });
  await pipeline(createReadStream(m.blob), hashing, createWriteStream(partial, { mode: 0o444 }));
  const copied = hash.digest("hex");
  if (copied !== m.sha256) {
    rmSync(partial, { force: true });
    throw new Error(
      `${m.blob} has sha256 ${copied}, not ${m.sha256}: it changed after it was verified; delete the pod, and its verify-artifact init container fetches and verifies it again`,
    );
  }
  renameSync(partial, target);
  // Renamed into place too: a read-only file cannot be rewritten by a non-root restart, only replaced.
  const config = join(m.dir, m.name, "config.pbtxt");
  rmSync(`${config}.partial`, { force: true });
  writeFileSync(`${config}.partial`, tritonConfig(m.name, m.format), { mode: 0o444 });
  renameSync(`${config}.partial`, config);
  return target;
}
