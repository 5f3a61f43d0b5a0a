import { type LoadedModel, type RuntimeOptions, serveModel } from "@edgefleet/cpu-runtime";
import { optionsOrExitCode } from "@edgefleet/kit";
import type { WorkerRuntimeCli } from "./cli.js";

export interface WorkerRuntime {
  cli: WorkerRuntimeCli;
  /** What GET /v2 answers. */
  server: { name: string; version: string };
  load(options: RuntimeOptions, python: string): Promise<LoadedModel>;
}

/** A Python-engined runtime's whole program: flags, the CPU runtime's server, the exit code. */
export function runWorkerRuntime(runtime: WorkerRuntime, argv: string[] = process.argv.slice(2)): void {
  const main = async () => {
    const opts = await optionsOrExitCode(runtime.cli.help, () => runtime.cli.parse(argv));
    if (typeof opts === "number") return opts;
    return serveModel(opts, { server: runtime.server, load: (o) => runtime.load(o, opts.python) });
  };
  main().then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}
