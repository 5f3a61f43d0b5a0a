import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { imageReference } from "@edgefleet/api";
import { contextSources, type Dockerfile, IMAGES, parseDockerfile } from "@edgefleet/deploy";
import { assembleBase, baseKey, baseReference } from "./base.js";
import { hashSources, inputKey } from "./inputs.js";
import { run } from "./run.js";
import { archivePath, ensureImage, INPUTS_LABEL, imagesDir } from "./store.js";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));

export interface BuiltImage {
  /** Repository name, e.g. operator. */
  readonly name: string;
  /** The reference the Pulumi program and the runtime catalog use, e.g. ghcr.io/edgefleet/operator:0.1.0. */
  readonly reference: string;
  /** OCI archive of the image, its index naming `reference` (org.opencontainers.image.ref.name). */
  readonly archive: string;
}

export interface BuildOptions {
  /** Image names to build (default: all of @edgefleet/deploy's IMAGES). */
  readonly only?: readonly string[];
  /** Progress lines: one per build step, and each image's outcome. */
  readonly log?: (line: string) => void;
  /** Every line the tools print, not only the steps. */
  readonly verbose?: boolean;
  readonly env?: NodeJS.ProcessEnv;
}

/**
 * Builds edgefleet's images from deploy/docker with buildah (no daemon) on a base assembled here,
 * each only when its inputs changed since the archive in the cache was written; returns every
 * image's reference and archive.
 */
export async function buildImages(opts: BuildOptions = {}): Promise<BuiltImage[]> {
  const log = opts.log ?? (() => undefined);
  const unknown = (opts.only ?? []).filter((n) => !IMAGES.some((i) => i.name === n));
  if (unknown.length > 0)
    throw new Error(`images: no image named ${unknown.join(", ")}; the images are ${IMAGES.map((i) => i.name).join(", ")}`);
  const dir = imagesDir(opts.env);
  const logs = join(dir, "logs");
  mkdirSync(logs, { recursive: true });
  const timed = async (what: string, step: () => Promise<string>) => {
    const started = Date.now();
    const outcome = await step();
    log(`images: ${what}: ${outcome} in ${((Date.now() - started) / 1000).toFixed(1)}s`);
  };

  const base = baseKey();
  const baseRef = baseReference(base);
  const baseLog = join(logs, "base.log");
  await timed(baseRef, () =>
    ensureImage("base", baseRef, base, archivePath(dir, "base", base), () => {
      log(`images: assembling the base from Debian and npm packages (log: ${baseLog})`);
      writeFileSync(baseLog, "");
      return assembleBase(baseRef, base, baseLog);
    }),
  );

  const volumes = await registryVolumes(dir);
  const built: BuiltImage[] = [];
  const wanted = opts.only?.length ? IMAGES.filter((i) => opts.only?.includes(i.name)) : IMAGES;
  for (const image of wanted) {
    const text = readFileSync(join(ROOT, image.dockerfile), "utf8");
    const dockerfile = parseDockerfile(image.dockerfile, text);
    const buildArgs = baseArgs(dockerfile, baseRef);
    const files = hashSources(ROOT, contextSources(dockerfile));
    const key = inputKey({ dockerfile: text, buildArgs, base, files });
    const reference = imageReference(image.name);
    const archive = archivePath(dir, image.name, key);
    const logFile = join(logs, `${image.name}.log`);
    await timed(reference, () =>
      ensureImage(image.name, reference, key, archive, async () => {
        log(`images: building ${reference} from ${image.dockerfile} (log: ${logFile})`);
        writeFileSync(logFile, "");
        await run(
          "buildah",
          [
            "build",
            // No OCI runtime for RUN steps: runc and crun need cgroups set up as they expect
            // (crun refuses cgroup v1 hosts); the steps only need a filesystem and the network.
            "--isolation=chroot",
            // Every Dockerfile starts with the same npm ci: its layer is built once for all.
            "--layers",
            "--pull=never",
            // npm ci reaches the registry from the host's network.
            "--network=host",
            ...Object.entries(buildArgs).map(([k, v]) => `--build-arg=${k}=${v}`),
            ...volumes.map((v) => `--volume=${v}`),
            `--label=${INPUTS_LABEL}=${key}`,
            `--file=${image.dockerfile}`,
            `--tag=${reference}`,
            ".",
          ],
          {
            cwd: ROOT,
            logFile,
            onLine: (line) => {
              if (opts.verbose || /^\[\d+\/\d+\] STEP \d+\/\d+:|^STEP \d+\/\d+:/.test(line)) log(`  ${image.name}: ${line.slice(0, 150)}`);
            },
          },
        );
      }),
    );
    built.push({ name: image.name, reference, archive });
  }
  return built;
}

/**
 * The base image arguments the Dockerfile declares, each set to the local base, which stands in for
 * all of them: the Node.js images and plain Debian. Only declared ones, as each is part of the
 * image's key.
 */
function baseArgs(dockerfile: Dockerfile, base: string): Record<string, string> {
  const declared = dockerfile.instructions.filter((i) => i.op === "ARG").map((i) => i.args.split("=")[0]);
  return Object.fromEntries(BASE_ARGS.filter((a) => declared.includes(a)).map((a) => [a, base]));
}

/** The base images deploy/docker's Dockerfiles take: a Node.js build stage, its runtime stage, or Debian. */
const BASE_ARGS = ["BUILD_IMAGE", "RUNTIME_IMAGE", "DEBIAN_IMAGE"];

/**
 * The host's npm settings, bind-mounted into the build's RUN steps only (never into a layer): its
 * registry (a mirror, where one is configured), the CA bundle it trusts, and its download cache,
 * so `npm ci` takes the packages `tools/edgefleet setup` already fetched.
 */
async function registryVolumes(dir: string): Promise<string[]> {
  const settings = new Map(
    (await run("npm", ["config", "get", "registry", "cafile", "cache"]))
      .split("\n")
      .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
  );
  const set = (k: string) => {
    const v = settings.get(k);
    return v && v !== "null" && v !== "undefined" ? v : undefined;
  };
  const npmrc = [`registry=${set("registry") ?? "https://registry.npmjs.org/"}`];
  const volumes: string[] = [];
  const cache = set("cache");
  if (cache) {
    npmrc.push(`cache=${IN_BUILD}/npm-cache`);
    volumes.push(`${cache}:${IN_BUILD}/npm-cache`);
  }
  const cafile = set("cafile");
  if (cafile) {
    npmrc.push(`cafile=${IN_BUILD}/ca.crt`);
    volumes.push(`${cafile}:${IN_BUILD}/ca.crt:ro`);
  }
  const file = join(dir, "build.npmrc");
  writeFileSync(file, `${npmrc.join("\n")}\n`);
  // pip (the Python runtimes' venvs) trusts the same CA bundle, through its site-wide configuration file.
  const pipConf = join(dir, "build.pip.conf");
  writeFileSync(pipConf, `[global]\n${cafile ? `cert = ${IN_BUILD}/ca.crt\n` : ""}`);
  // The global npmrc of a Node.js installed under /usr/local, as in node:*-slim and the local base.
  return [`${file}:/usr/local/etc/npmrc:ro`, `${pipConf}:/etc/pip.conf:ro`, ...volumes];
}

const IN_BUILD = "/run/edgefleet";
