#!/usr/bin/env -S node --import tsx
import { serveModel } from "@edgefleet/cpu-runtime";
import { optionsOrExitCode } from "@edgefleet/kit";
// Imported, not read at run time: a bundled runtime has no package.json.
import runtimePackage from "../package.json" with { type: "json" };
import { loadOpenVinoModel } from "./openvino-model.js";
import { HELP, parseOptions } from "./options.js";

async function main(argv: string[]): Promise<number> {
  const opts = await optionsOrExitCode(HELP, () => parseOptions(argv));
  if (typeof opts === "number") return opts;
  return serveModel(opts, {
    server: { name: "edgefleet-openvino-runtime", version: runtimePackage.version },
    load: (o) =>
      loadOpenVinoModel({
        name: o.modelName,
        version: o.modelVersion,
        path: o.modelPath,
        intraOpThreads: o.intraOpThreads,
        python: opts.python,
      }),
  });
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
