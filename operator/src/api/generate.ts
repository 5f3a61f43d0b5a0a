import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { generatedFiles } from "./manifests.js";

/** Writes the CRDs and the default runtime catalog under operator/: `npx tsx operator/src/api/generate.ts`. */
const operatorDir = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
for (const file of generatedFiles()) {
  const path = join(operatorDir, file.path);
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, file.content);
  console.log(`wrote ${join("operator", file.path)}`);
}
