#!/usr/bin/env -S node --import tsx
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { command, optionsOrExitCode } from "@edgefleet/kit";
import { helmChart } from "@edgefleet/stacks";

/** Where the chart is committed; a unit test (stacks/src/chart/chart.test.ts) fails when it is stale. */
const COMMITTED_CHART = "deploy/helm/edgefleet";

const CLI = command({
  usage: "tools/edgefleet chart [--out DIR]",
  about: `Writes the edgefleet Helm chart, generated from the TypeScript that builds the Pulumi
resources (stacks/src/platform) and the values schema the stack config is validated with
(stacks/src/config/schema.ts). DIR is replaced as a whole; it must be empty, absent or
a chart (holding a Chart.yaml). See docs/helm.md.`,
  flags: {
    out: { type: "string", arg: "DIR", nonEmpty: true, defaultText: COMMITTED_CHART, help: "the chart's directory" },
  },
});

async function main(argv: string[]): Promise<number> {
  const out = await optionsOrExitCode(CLI.help, () => CLI.parse(argv, (v) => resolve(v.out ?? COMMITTED_CHART)));
  if (typeof out === "number") return out;
  if (existsSync(out) && readdirSync(out).length > 0 && !existsSync(join(out, "Chart.yaml"))) {
    console.error(`--out ${out}: not empty and not a chart (no Chart.yaml); name an empty or new directory`);
    return 2;
  }
  const files = helmChart();
  // Replaced whole: a template the generator no longer makes must not linger in the chart.
  rmSync(out, { recursive: true, force: true });
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(out, path)), { recursive: true });
    writeFileSync(join(out, path), text);
  }
  console.log(`wrote ${Object.keys(files).length} files to ${out}`);
  return 0;
}

process.exitCode = await main(process.argv.slice(2));
