#!/usr/bin/env -S node --import tsx
import { IMAGES } from "@edgefleet/deploy";
import { command, optionsOrExitCode } from "@edgefleet/kit";
import { table } from "../table.js";
import { buildImages } from "./build.js";
import { imagesDir } from "./store.js";

const CLI = command({
  usage: "tools/edgefleet images build [--only NAME]... [--verbose]",
  about: `Builds edgefleet's container images from deploy/docker with buildah (no daemon needed) on a
Node.js base assembled here from Debian packages and npm's Node.js binary, tags each with the
reference the Pulumi program and the runtime catalog use, and keeps each as an OCI archive.
An image whose inputs (Dockerfile, lockfile, copied sources, base) did not change is not rebuilt.

Images: ${IMAGES.map((i) => i.name).join(", ")}`,
  positionals: true,
  flags: {
    only: {
      type: "repeated",
      arg: "NAME",
      check: { must: `be one of ${IMAGES.map((i) => i.name).join(", ")}`, test: (v) => IMAGES.some((i) => i.name === v) },
      help: "build only this image (repeatable)",
    },
    verbose: { type: "switch", help: "print every line the build tools print, not only the steps" },
  },
  footer: `Archives: ${imagesDir()}/NAME-KEY.oci.tar (EDGEFLEET_CACHE moves them); build logs in its logs/.
The images are also in the host's container storage (buildah images).`,
});

async function main(argv: string[]): Promise<number> {
  const values = await optionsOrExitCode(CLI.help, () => CLI.parse(argv, (v, positionals) => ({ ...v, subcommand: positionals[0] })));
  if (typeof values === "number") return values;
  if (values.subcommand !== "build") {
    console.error(values.subcommand ? `images: unknown command ${values.subcommand}; the one command is build` : CLI.help);
    return 2;
  }
  const started = Date.now();
  const built = await buildImages({ only: values.only, verbose: values.verbose, log: (line) => console.error(line) });
  console.log(table([["IMAGE", "ARCHIVE"], ...built.map((b) => [b.reference, b.archive])]));
  console.error(`images: ${built.length} ready in ${((Date.now() - started) / 1000).toFixed(1)}s`);
  return 0;
}

process.exitCode = await main(process.argv.slice(2));
