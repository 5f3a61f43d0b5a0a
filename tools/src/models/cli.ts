#!/usr/bin/env -S node --import tsx
import { join } from "node:path";
import { command, optionsOrExitCode } from "@edgefleet/kit";
import { writeModels } from "@edgefleet/test-models";
import { stateDir } from "../cluster/paths.js";

const CLI = command({
  usage: "tools/edgefleet models [--out DIR]",
  about: `Writes edgefleet's ONNX test models (deterministic: the same bytes on every run) as
<name>-<version>.onnx, plus SHA256SUMS, and prints one "sha256  file" line per model.`,
  flags: {
    out: {
      type: "string",
      arg: "DIR",
      nonEmpty: true,
      defaultText: "$EDGEFLEET_STATE_DIR/models, i.e. ~/.local/state/edgefleet/models",
      help: "where to write them",
    },
  },
});

async function main(argv: string[]): Promise<number> {
  const out = await optionsOrExitCode(CLI.help, () => CLI.parse(argv, (v) => v.out ?? join(stateDir(), "models")));
  if (typeof out === "number") return out;
  for (const m of writeModels(out)) console.log(`${m.sha256}  ${join(out, m.fileName)}`);
  return 0;
}

process.exitCode = await main(process.argv.slice(2));
