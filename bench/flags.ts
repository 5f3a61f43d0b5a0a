// The benches' flags, on the kit's one flag table like every program's: each bench declares its own
// flags once, and the ones several benches share are declared here.
import { basename } from "node:path";
import { type CommandSpec, command, type Flag, type Flags, type FlagValues, optionsOrExitCode } from "@edgefleet/kit";

/** Where a bench writes its record; bench/compare.ts passes it to every bench it re-runs. */
export const RESULT_FLAG = {
  type: "string",
  arg: "PATH",
  nonEmpty: true,
  help: "also write the figures there as JSON (bench/result.ts); bench/results/<bench>.json is the recorded run",
} as const satisfies Flag;

/**
 * The bench's flags from its command line: --help prints the help and exits 0; a bad flag prints
 * what is wrong and the help and exits 2, before the bench starts anything.
 */
export async function benchFlags<const F extends Flags>(spec: Omit<CommandSpec<F>, "usage">): Promise<FlagValues<F>> {
  const cli = command({ ...spec, usage: `node --import tsx bench/${basename(process.argv[1] ?? "")} [options]` });
  const values = await optionsOrExitCode(cli.help, () => cli.parse(process.argv.slice(2), (v) => v));
  if (typeof values === "number") process.exit(values);
  return values;
}
