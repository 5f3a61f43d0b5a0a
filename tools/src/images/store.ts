import { existsSync, readdirSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import { cacheDir } from "../cluster/paths.js";
import { run } from "./run.js";

/**
 * Built images live twice: in the host's container storage (where buildah builds FROM them and
 * podman runs them) and as OCI archives in the cache (what survives a wiped storage, and what a
 * containerd node imports). Both carry the inputs' key: the storage as an image label, the
 * archive in its file name.
 */

export const INPUTS_LABEL = "io.edgefleet.inputs";

export const imagesDir = (env: NodeJS.ProcessEnv = process.env) => join(cacheDir(env), "images");

const KEY_CHARS = 16;
const archiveName = (name: string, key: string) => `${name}-${key.slice(0, KEY_CHARS)}.oci.tar`;
export const archivePath = (dir: string, name: string, key: string) => join(dir, archiveName(name, key));

/** The inputs' key of the image stored under this reference, or undefined when there is none. */
async function storedKey(reference: string): Promise<string | undefined> {
  try {
    const key = await run("buildah", [
      "inspect",
      "--type",
      "image",
      "--format",
      `{{index .OCIv1.Config.Labels "${INPUTS_LABEL}"}}`,
      reference,
    ]);
    return key === "" || key === "<no value>" ? undefined : key;
  } catch {
    return undefined;
  }
}

export type Outcome = "cached" | "loaded" | "built";

/**
 * Makes the image of these inputs present in both places: nothing to do when it is, a load from
 * the archive when only the storage lacks it, else `build` (which must tag `reference` in the
 * storage) and a save. The archive is written under a temporary name and renamed, so a cut-off
 * run never leaves a half archive that a later run would trust; older archives of the image go.
 */
export async function ensureImage(
  name: string,
  reference: string,
  key: string,
  archive: string,
  build: () => Promise<void>,
): Promise<Outcome> {
  if (existsSync(archive)) {
    if ((await storedKey(reference)) === key) return "cached";
    await run("skopeo", ["copy", "--quiet", `oci-archive:${archive}`, `containers-storage:${reference}`]);
    return "loaded";
  }
  await build();
  const part = `${archive}.part`;
  rmSync(part, { force: true });
  await run("buildah", ["push", "--quiet", reference, `oci-archive:${part}:${reference}`]);
  renameSync(part, archive);
  const dir = join(archive, "..");
  const mine = new RegExp(`^${name}-[0-9a-f]{${KEY_CHARS}}\\.oci\\.tar$`);
  for (const f of readdirSync(dir)) if (mine.test(f) && join(dir, f) !== archive) rmSync(join(dir, f));
  return "built";
}
