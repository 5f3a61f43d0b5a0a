#!/usr/bin/env -S node --import tsx
import { runWorkerRuntime } from "@edgefleet/python-worker";
// Imported, not read at run time: a bundled runtime has no package.json.
import runtimePackage from "../package.json" with { type: "json" };
import { CLI } from "./options.js";
import { loadTfliteModel } from "./tflite-model.js";

runWorkerRuntime({
  cli: CLI,
  server: { name: "edgefleet-tflite-runtime", version: runtimePackage.version },
  load: loadTfliteModel,
});
