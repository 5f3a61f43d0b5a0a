#!/usr/bin/env -S node --import tsx
import { optionsOrExitCode } from "@edgefleet/kit";
import { loadModel } from "./onnx-model.js";
import { HELP, parseOptions } from "./options.js";
import { serveModel } from "./serve.js";

async function main(argv: string[]): Promise<number> {
  const opts = await optionsOrExitCode(HELP, () => parseOptions(argv));
  if (typeof opts === "number") return opts;
  return serveModel(opts, {
    load: (o) =>
      loadModel({
        name: o.modelName,
        version: o.modelVersion,
        path: o.modelPath,
        ...(o.modelSha256 ? { sha256: o.modelSha256 } : {}),
        intraOpThreads: o.intraOpThreads,
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
