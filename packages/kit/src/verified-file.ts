import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";

/**
 * A verified file's bytes, read once and refused unless they hash to sha256, so whoever uses them
 * uses the very bytes checked: a file changed after its verify-artifact init container checked it
 * is never served. flag: the flag that gave sha256, named in the refusal.
 */
export async function readVerifiedFile(path: string, sha256: string, flag = "--model-sha256"): Promise<Buffer> {
  const bytes = await readFile(path);
  const actual = createHash("sha256").update(bytes).digest("hex");
  if (actual !== sha256)
    throw new Error(
      `${path} has sha256 ${actual}, not ${sha256} (${flag}): it changed after it was verified; delete the pod, and its verify-artifact init container fetches and verifies it again`,
    );
  return bytes;
}
