import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

export interface OciImageSpec {
  /** Full image name with tag, e.g. "edgefleet.local/busybox:1". */
  readonly name: string;
  /** A directory whose contents become the image's only layer, at /. */
  readonly rootfs: string;
  readonly entrypoint: readonly string[];
  readonly cmd?: readonly string[];
  readonly architecture?: string;
}

/**
 * Writes an OCI image archive (an OCI layout in a tar, what `ctr images import` and
 * `skopeo copy oci-archive:` read) of one layer, assembled with umoci: no base image, no daemon.
 */
export async function buildOciArchive(spec: OciImageSpec, archive: string): Promise<void> {
  const tag = spec.name.slice(spec.name.lastIndexOf(":") + 1);
  if (!tag || tag.includes("/")) throw new Error(`image name ${spec.name} needs a tag (NAME:TAG)`);
  const work = await mkdtemp(join(tmpdir(), "edgefleet-oci-"));
  try {
    const layout = join(work, "layout");
    const image = `${layout}:${tag}`;
    await umoci(["init", "--layout", layout]);
    await umoci(["new", "--image", image]);
    await umoci(["insert", "--image", image, spec.rootfs, "/"]);
    const config = ["config", "--image", image, "--os", "linux", "--architecture", spec.architecture ?? goArch()];
    for (const e of spec.entrypoint) config.push("--config.entrypoint", e);
    for (const c of spec.cmd ?? []) config.push("--config.cmd", c);
    await umoci(config);
    await umoci(["gc", "--layout", layout]);
    // containerd names an imported image by this annotation; the OCI one holds the tag only.
    const indexPath = join(layout, "index.json");
    const index = JSON.parse(await readFile(indexPath, "utf8")) as { manifests: { annotations?: Record<string, string> }[] };
    for (const m of index.manifests) m.annotations = { ...m.annotations, "io.containerd.image.name": spec.name };
    await writeFile(indexPath, JSON.stringify(index));
    await run("tar", ["-C", layout, "-cf", archive, "."]);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

async function umoci(args: string[]): Promise<void> {
  try {
    await run("umoci", args);
  } catch (err) {
    const e = err as { code?: string; stderr?: string; message: string };
    if (e.code === "ENOENT") throw new Error("umoci is not installed: run tools/edgefleet setup (Debian package umoci)");
    throw new Error(`umoci ${args[0]} failed: ${e.stderr?.trim() || e.message}`);
  }
}

function goArch(): string {
  return process.arch === "x64" ? "amd64" : process.arch;
}
