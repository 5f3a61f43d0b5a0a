#!/usr/bin/env -S node --import tsx
import { runWorkerRuntime } from "@edgefleet/python-worker";
// Imported, not read at run time: a bundled runtime has no package.json.
import runtimePackage from "../package.json" with { type: "json" };
import { loadOpenVinoModel } from "./openvino-model.js";
import { CLI } from "./options.js";

runWorkerRuntime({
  cli: CLI,
  server: { name: "edgefleet-openvino-runtime", version: runtimePackage.version },
  load: loadOpenVinoModel,
});
