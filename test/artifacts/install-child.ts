// Child process for the artifact cache's SIGKILL test: installs and rolls back model versions in a
// loop until killed, reporting each step on stdout once it returned.
// Usage: node --import tsx install-child.ts <cache-root> <artifact-dir>
import { readFileSync, writeSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { ArtifactCache, Installer } from "@edgefleet/edge-agent";

export const CHILD_MAX_BYTES = 5 * 1024 * 1024;
export const CHILD_VERSIONS = ["1.0.0", "1.1.0", "1.2.0", "1.3.0"];

/** The artifact the parent published for a version: <dir>/<version>.onnx, its .sig and sha256 files. */
export function childArtifact(dir: string, version: string) {
  const file = join(dir, `${version}.onnx`);
  const { sha256, sizeBytes } = JSON.parse(readFileSync(`${file}.json`, "utf8")) as { sha256: string; sizeBytes: number };
  return {
    uri: pathToFileURL(file).href,
    sha256,
    sizeBytes,
    signature: { uri: pathToFileURL(`${file}.sig`).href, publicKeyPem: readFileSync(join(dir, "key.pub.pem"), "utf8") },
  };
}

const say = (line: string) => writeSync(1, `${line}\n`);

async function main(root: string, dir: string): Promise<void> {
  const cache = ArtifactCache.open({ root, maxBytes: CHILD_MAX_BYTES });
  const installer = new Installer({ cache });
  for (let n = 0; ; n++) {
    const version = CHILD_VERSIONS[n % CHILD_VERSIONS.length] as string;
    let halfway = false;
    const outcome = await installer.install({
      namespace: "vision",
      model: "detector",
      version,
      artifact: childArtifact(dir, version),
      onProgress: ({ bytes, total }) => {
        if (!halfway && total !== undefined && bytes * 2 >= total) {
          halfway = true;
          say(`downloading ${version}`);
        }
      },
    });
    if (!outcome.installed) throw new Error(`install ${version} refused: ${outcome.refusal.reason}: ${outcome.refusal.message}`);
    say(`installed ${version}`);
    if (n % 3 === 2) say(`rolled-back ${cache.rollback("vision", "detector").active.version}`);
  }
}

if (process.argv[1] === new URL(import.meta.url).pathname) {
  const [root, dir] = process.argv.slice(2);
  if (!root || !dir) throw new Error("usage: install-child.ts <cache-root> <artifact-dir>");
  await main(root, dir);
}
