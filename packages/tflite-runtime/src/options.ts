import { RUNTIME_FLAGS, type RuntimeOptions, runtimeOptions } from "@edgefleet/cpu-runtime";
import { command, type Parsed } from "@edgefleet/kit";
import { PYTHON_FLAG } from "@edgefleet/python-worker";

const CLI = command({
  usage: "node --import tsx packages/tflite-runtime/src/main.ts --model-name NAME --model-version VERSION --model-path FILE [options]",
  about: `edgefleet's TFLite runtime: serves one TFLite model (.tflite, fp32 or int8) with LiteRT's interpreter on
the CPU (no Edge TPU delegate) over the Open Inference Protocol v2 (KServe v2) REST API, with
Prometheus metrics at /metrics on the same port. The CPU runtime's server and flags; the model runs
in a Python worker process.`,
  flags: {
    ...RUNTIME_FLAGS,
    "model-path": {
      ...RUNTIME_FLAGS["model-path"],
      help: "the .tflite file (a TFLite flatbuffer), e.g. from the agent's artifact cache",
    },
    "intra-op-threads": {
      ...RUNTIME_FLAGS["intra-op-threads"],
      help: "the interpreter's threads (num_threads); 0 lets LiteRT pick",
    },
    python: PYTHON_FLAG,
  },
});

export const HELP = CLI.help;

export interface TfliteOptions extends RuntimeOptions {
  python: string;
}

export function parseOptions(argv: string[]): Parsed<TfliteOptions> {
  return CLI.parse(argv, (v) => ({ ...runtimeOptions(v), python: v.python }));
}
