import { type LoadedModel, type RuntimeOptions, serveModel } from "@edgefleet/cpu-runtime";
import { optionsOrExitCode } from "@edgefleet/kit";
import type { WorkerRuntimeCli } from "./cli.js";
import type { WorkerModelOptions } from "./worker-model.js";

export interface WorkerRuntime {
  cli: WorkerRuntimeCli;
  /** What GET /v2 answers. */
  server: { name: string; version: string };
  load(options: WorkerModelOptions): Promise<LoadedModel>;
}

/** A Python-engined runtime's whole program: flags, the CPU runtime's server, the exit code. */
export function runWorkerRuntime(runtime: WorkerRuntime, argv: string[] = process.argv.slice(2)): void {
  const main = async () => {
    const opts = await optionsOrExitCode(runtime.cli.help, () => runtime.cli.parse(argv));
    if (typeof opts === "number") return opts;
    return serveModel(opts, { server: runtime.server, load: (o) => runtime.load(workerModelOptions(o, opts.python)) });
  };
  main().then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}

function workerModelOptions(o: RuntimeOptions, python: string): WorkerModelOptions {
  return {
    name: o.modelName,
    version: o.modelVersion,
    path: o.modelPath,
    ...(o.modelSha256 ? { sha256: o.modelSha256 } : {}),
    intraOpThreads: o.intraOpThreads,
    python,
  };
}
