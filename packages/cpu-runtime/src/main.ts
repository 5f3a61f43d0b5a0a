#!/usr/bin/env -S node --import tsx
import { optionsOrExitCode } from "@edgefleet/kit";
import { loadModel, loadModelBytes } from "./onnx-model.js";
import { HELP, parseOptions } from "./options.js";
import { serveModel, serveRepository } from "./serve.js";

async function main(argv: string[]): Promise<number> {
  const parsed = await optionsOrExitCode(HELP, () => parseOptions(argv));
  if (typeof parsed === "number") return parsed;
  if (parsed.control === "explicit") {
    const threads = parsed.options.intraOpThreads;
    return serveRepository(parsed.options, {
      platform: "onnxruntime_onnx",
      backend: "onnxruntime",
      fileName: "model.onnx",
      load: (name, version, bytes) => loadModelBytes(name, version, bytes, threads),
    });
  }
  return serveModel(parsed.options, {
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
