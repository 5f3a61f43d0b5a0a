import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { generatedFiles } from "./manifests.js";

/** Writes the CRDs and the default runtime catalog under packages/api/: `npx tsx packages/api/src/generate.ts`. */
const packageDir = join(dirname(fileURLToPath(import.meta.url)), "..");
for (const file of generatedFiles()) {
  const path = join(packageDir, file.path);
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, file.content);
  console.log(`wrote ${join("packages/api", file.path)}`);
}
