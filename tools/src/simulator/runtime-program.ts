import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { WORKER_FILES as OPENVINO_WORKER_FILES } from "@edgefleet/openvino-runtime";
import { WORKER_FILES as TFLITE_WORKER_FILES } from "@edgefleet/tflite-runtime";
import { build } from "esbuild";
import { loadToolchain, type Toolchain } from "../cluster/toolchain.js";

const ROOT = fileURLToPath(new URL("../../..", import.meta.url));
/** Inside the workspace, so the bundle resolves onnxruntime-node from its node_modules. */
const CACHE = join(ROOT, "node_modules/.cache/edgefleet");

/** A runtime program a simulated device starts: the bundle, and the flags it needs besides the runtime's. */
export interface RuntimeProgram {
  readonly path: string;
  readonly args: readonly string[];
}

/** The programs a simulated fleet serves models with. */
export interface RuntimePrograms {
  /** edgefleet's CPU runtime (onnxruntime), for ONNX and TensorRT variants. */
  readonly cpu: RuntimeProgram;
  /** edgefleet's OpenVINO runtime (the real OpenVINO runtime on the toolchain's venv-python), for OpenVINO IR. */
  readonly openvino: RuntimeProgram;
  /** edgefleet's TFLite runtime (LiteRT's interpreter on the toolchain's venv-python), for .tflite files. */
  readonly tflite: RuntimeProgram;
  /** edgefleet's model loader (the edge-agent image's), for models on a runtime with serving: Shared. */
  readonly loader: RuntimeProgram;
}

/**
 * The program serving a workload of the given EdgeRuntime (the catalog's names,
 * packages/api/src/catalog/default-runtimes.ts). OpenVINO variants run their IR on the real
 * OpenVINO runtime and TFLite variants their .tflite file on LiteRT's interpreter, on the CPU (the
 * simulator has no Edge TPU: no delegate); it has no GPU either, so TensorRT variants are served by
 * the CPU runtime and their artifacts must be ONNX files.
 */
export function programFor(programs: RuntimePrograms, runtime: string): RuntimeProgram {
  if (runtime === "openvino") return programs.openvino;
  if (runtime === "tflite") return programs.tflite;
  return programs.cpu;
}

/**
 * Bundles entry into one file, as the runtime images bundle theirs (deploy/docker/): a simulated
 * fleet starts a runtime process per device and version, and a bundle starts in a fraction of the
 * time and memory that compiling the sources with tsx takes. Written once per content (the bundle
 * and the files that go beside it), atomically, so simulators running side by side share it.
 */
async function bundle(name: string, entry: string, besides: readonly string[] = []): Promise<string> {
  const result = await build({
    entryPoints: [entry],
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
  if (!code) throw new Error(`esbuild wrote nothing for ${entry}`);
  const files = besides.map((file) => ({ name: file.slice(file.lastIndexOf("/") + 1), bytes: readFileSync(file) }));
  const hash = createHash("sha256").update(code);
  for (const f of files) hash.update(f.name).update(f.bytes);
  const dir = join(CACHE, `${name}-${hash.digest("hex").slice(0, 16)}`);
  const main = join(dir, "main.mjs");
  if (!existsSync(main)) {
    const partial = `${dir}.${process.pid}.tmp`;
    mkdirSync(partial, { recursive: true });
    for (const f of files) writeFileSync(join(partial, f.name), f.bytes);
    writeFileSync(join(partial, "main.mjs"), code);
    try {
      renameSync(partial, dir);
    } catch (err) {
      // Another simulator wrote the same content first.
      rmSync(partial, { recursive: true, force: true });
      if (!existsSync(main)) throw err;
    }
  }
  return main;
}

/** The runtime programs and the model loader, bundled; the OpenVINO and TFLite ones with their workers beside them and the toolchain's venv-python. */
export async function runtimePrograms(toolchain: Toolchain = loadToolchain()): Promise<RuntimePrograms> {
  const python = ["--python", toolchain.bin("venv-python")];
  const [cpu, openvino, tflite, loader] = await Promise.all([
    bundle("cpu-runtime", join(ROOT, "packages/cpu-runtime/src/main.ts")),
    bundle("openvino-runtime", join(ROOT, "packages/openvino-runtime/src/main.ts"), OPENVINO_WORKER_FILES),
    bundle("tflite-runtime", join(ROOT, "packages/tflite-runtime/src/main.ts"), TFLITE_WORKER_FILES),
    bundle("model-loader", join(ROOT, "packages/edge-agent/src/loader/main.ts")),
  ]);
  return {
    cpu: { path: cpu, args: [] },
    openvino: { path: openvino, args: python },
    tflite: { path: tflite, args: python },
    loader: { path: loader, args: [] },
  };
}
