import { RUNTIME_FLAGS, type RuntimeOptions, runtimeOptions } from "@edgefleet/cpu-runtime";
import { command, type Parsed } from "@edgefleet/kit";
import { PYTHON_FLAG } from "./worker.js";

/** What a Python-engined runtime says about itself; the rest of its flags are the CPU runtime's. */
export interface WorkerRuntimeText {
  usage: string;
  about: string;
  /** What --model-path names for this engine. */
  modelPathHelp: string;
  /** What --intra-op-threads means for this engine. */
  threadsHelp: string;
}

export interface WorkerRuntimeOptions extends RuntimeOptions {
  python: string;
}

export interface WorkerRuntimeCli {
  help: string;
  parse(argv: string[]): Parsed<WorkerRuntimeOptions>;
}

/** The flags of a Python-engined runtime: the CPU runtime's server flags plus --python. */
export function workerRuntimeCli(text: WorkerRuntimeText): WorkerRuntimeCli {
  const cli = command({
    usage: text.usage,
    about: text.about,
    flags: {
      ...RUNTIME_FLAGS,
      "model-path": { ...RUNTIME_FLAGS["model-path"], help: text.modelPathHelp },
      "intra-op-threads": { ...RUNTIME_FLAGS["intra-op-threads"], help: text.threadsHelp },
      python: PYTHON_FLAG,
    },
  });
  return { help: cli.help, parse: (argv) => cli.parse(argv, (v) => ({ ...runtimeOptions(v), python: v.python })) };
}
