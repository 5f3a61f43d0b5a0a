import { createHash } from "node:crypto";
import { existsSync, mkdirSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const ROOT = fileURLToPath(new URL("../../..", import.meta.url));
const ENTRY = join(ROOT, "packages/cpu-runtime/src/main.ts");
/** Inside the workspace, so the bundle resolves onnxruntime-node from its node_modules. */
const CACHE = join(ROOT, "node_modules/.cache/edgefleet");

/**
 * The CPU runtime bundled into one file, as its image bundles it (deploy/docker/cpu-runtime.Dockerfile):
 * a simulated fleet starts a runtime process per device and version, and a bundle starts in a
 * fraction of the time and memory that compiling the sources with tsx takes. Written once per
 * content, atomically, so simulators running side by side share it.
 */
export async function runtimeProgram(): Promise<string> {
  const result = await build({
    entryPoints: [ENTRY],
    bundle: true,
    platform: "node",
    target: "node20",
    format: "esm",
    // A native addon loaded by a computed path; prom-client and others still call require().
    external: ["onnxruntime-node"],
    banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" },
    write: false,
    logLevel: "silent",
  });
  const code = result.outputFiles[0]?.contents;
  if (!code) throw new Error(`esbuild wrote nothing for ${ENTRY}`);
  const file = join(CACHE, `cpu-runtime-${createHash("sha256").update(code).digest("hex").slice(0, 16)}.mjs`);
  if (!existsSync(file)) {
    mkdirSync(CACHE, { recursive: true });
    const partial = `${file}.${process.pid}.tmp`;
    writeFileSync(partial, code);
    renameSync(partial, file);
  }
  return file;
}
