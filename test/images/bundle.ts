import { execFile } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { promisify } from "node:util";
import { Service } from "@edgefleet/tools";
import { JsonLogProcess } from "../helpers/json-log-process.js";

/**
 * An image archive unpacked into an OCI runtime bundle (skopeo, umoci) and run with runc, as a
 * node's container runtime would run it: no daemon, the image's own user, entry point and files.
 * The container shares the host's network, so a test reaches what it serves on 127.0.0.1.
 */

const exec = promisify(execFile);

export interface ImageConfig {
  readonly User?: string;
  readonly Entrypoint?: string[];
  readonly Cmd?: string[];
}

/** The image's run configuration (user, entry point) from its archive. */
export async function imageConfig(archive: string): Promise<ImageConfig> {
  const { stdout } = await exec("skopeo", ["inspect", "--config", `oci-archive:${archive}`]);
  return (JSON.parse(stdout) as { config: ImageConfig }).config;
}

/** Unpacks the archive's image under dir; returns the unpacked bundle (umoci's config.json and rootfs/). */
export async function unpack(archive: string, dir: string): Promise<string> {
  await exec("skopeo", ["copy", "--quiet", `oci-archive:${archive}`, `oci:${join(dir, "layout")}:image`]);
  const unpacked = join(dir, "bundle");
  await exec("umoci", ["unpack", "--image", `${join(dir, "layout")}:image`, unpacked]);
  return unpacked;
}

export interface RunSpec {
  /** The command line: the image's entry point by default, then these arguments. */
  readonly args: readonly string[];
  /** Replaces the entry point, as a pod's `command` does. */
  readonly command?: readonly string[];
  /** Host folder → container path, read-only. */
  readonly binds?: Readonly<Record<string, string>>;
  /** The root filesystem read-only, as a pod's readOnlyRootFilesystem mounts it. */
  readonly readOnlyRoot?: boolean;
}

interface Spec {
  root: { path: string; readonly?: boolean };
  process: { args: string[]; terminal: boolean };
  mounts: { destination: string; type: string; source: string; options: string[] }[];
  linux: { namespaces: { type: string }[] };
}

/**
 * A bundle of its own (runDir, which must exist) for one run of an unpacked image: umoci's user,
 * environment and limits, the image's root filesystem (shared by runs one after another, as
 * unpacking takes far longer than a run), and what to run. Returns runDir.
 */
export function bundleFor(unpacked: string, runDir: string, image: ImageConfig, run: RunSpec): string {
  const spec = JSON.parse(readFileSync(join(unpacked, "config.json"), "utf8")) as Spec;
  spec.root.path = join(unpacked, "rootfs");
  if (run.readOnlyRoot) spec.root.readonly = true;
  spec.process.args = [...(run.command ?? image.Entrypoint ?? []), ...run.args];
  spec.process.terminal = false;
  spec.linux.namespaces = spec.linux.namespaces.filter((n) => n.type !== "network");
  for (const [source, destination] of Object.entries(run.binds ?? {})) {
    spec.mounts.push({ destination, type: "bind", source, options: ["rbind", "ro"] });
  }
  writeFileSync(join(runDir, "config.json"), JSON.stringify(spec));
  return runDir;
}

const containerId = (bundle: string) => `edgefleet-test-${process.pid}-${basename(bundle)}`;

/** Runs the bundle to its end: exit code and output. */
export async function runToExit(bundle: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const id = containerId(bundle);
  try {
    const { stdout, stderr } = await exec("runc", ["run", "--bundle", bundle, id]);
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === "number" ? e.code : -1, stdout: e.stdout ?? "", stderr: e.stderr ?? "" };
  } finally {
    await exec("runc", ["delete", "--force", id]).catch(() => undefined);
  }
}

/** A long-running program in the bundle, its JSON log parsed as it comes; runc passes signals on. */
export class ContainerProcess extends JsonLogProcess {
  constructor(
    name: string,
    readonly bundle: string,
  ) {
    super(name, bundle, []);
  }

  protected override commandLine(bundle: string): [string, string[]] {
    return ["runc", ["run", "--bundle", bundle, containerId(bundle)]];
  }

  async stop(): Promise<number | null> {
    this.signal("SIGTERM");
    const code = await this.exited;
    await exec("runc", ["delete", "--force", containerId(this.bundle)]).catch(() => undefined);
    return code;
  }
}

/** A server that does not log JSON (a third party's), running in the bundle until stopped. */
export interface Container {
  /** SIGTERM (runc passes it on), then the container is deleted. */
  stop(): Promise<void>;
}

/** Runs the bundle; resolves once the server accepts connections on 127.0.0.1:tcpPort. */
export async function startContainer(name: string, bundle: string, tcpPort: number): Promise<Container> {
  const service = new Service({ name, command: "runc", args: ["run", "--bundle", bundle, containerId(bundle)], readiness: { tcpPort } });
  const stop = async () => {
    await service.dispose();
    await exec("runc", ["delete", "--force", containerId(bundle)]).catch(() => undefined);
  };
  try {
    await service.start();
  } catch (err) {
    await stop();
    throw err;
  }
  return { stop };
}
