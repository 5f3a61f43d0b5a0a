#!/usr/bin/env -S node --import tsx
import { join } from "node:path";
import { parseArgs } from "node:util";
import { writeModels } from "@edgefleet/test-models";
import { stateDir } from "../cluster/paths.js";

const HELP = `Usage: tools/edgefleet models [--out DIR]

Writes edgefleet's ONNX test models (deterministic: the same bytes on every run) as
<name>-<version>.onnx, plus SHA256SUMS, and prints one "sha256  file" line per model.

Options:
  --out DIR    where to write them (default: $EDGEFLEET_STATE_DIR/models, i.e.
               ~/.local/state/edgefleet/models)
  -h, --help   this help`;

function main(argv: string[]): number {
  let values: { out?: string | undefined; help?: boolean | undefined };
  try {
    ({ values } = parseArgs({ args: argv, strict: true, options: { out: { type: "string" }, help: { type: "boolean", short: "h" } } }));
  } catch (err) {
    console.error(`${err instanceof Error ? err.message : err}\n\n${HELP}`);
    return 2;
  }
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  if (values.out === "") {
    console.error(`--out must be a directory, got ""\n\n${HELP}`);
    return 2;
  }
  const dir = values.out ?? join(stateDir(), "models");
  for (const m of writeModels(dir)) console.log(`${m.sha256}  ${join(dir, m.fileName)}`);
  return 0;
}

process.exitCode = main(process.argv.slice(2));
