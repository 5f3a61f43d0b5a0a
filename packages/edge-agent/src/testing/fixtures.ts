import { cp, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** The recorded tree of one device under packages/edge-agent/fixtures. */
export function fixture(device: string): string {
  return fileURLToPath(new URL(`../../fixtures/${device}`, import.meta.url));
}

/** A writable copy of a fixture tree, for sensors that need counters to move between two reads. */
export async function fixtureCopy(
  device: string,
): Promise<{ root: string; write(path: string, text: string): Promise<void>; remove(): Promise<void> }> {
  const root = await mkdtemp(join(tmpdir(), `edgefleet-${device}-`));
  await cp(fixture(device), root, { recursive: true });
  return {
    root,
    write: (path, text) => writeFile(join(root, path), `${text}\n`),
    remove: () => rm(root, { recursive: true, force: true }),
  };
}
