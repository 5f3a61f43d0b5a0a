import { RUNTIME_FLAGS, type RuntimeOptions, runtimeOptions } from "@edgefleet/cpu-runtime";
import { command, type Parsed } from "@edgefleet/kit";
import { PYTHON_FLAG } from "@edgefleet/python-worker";

const CLI = command({
  usage: "node --import tsx packages/openvino-runtime/src/main.ts --model-name NAME --model-version VERSION --model-path FILE [options]",
  about: `edgefleet's OpenVINO runtime: serves one OpenVINO IR (fp32 or int8) with the OpenVINO runtime on the
CPU over the Open Inference Protocol v2 (KServe v2) REST API, with Prometheus metrics at /metrics on
the same port. The CPU runtime's server and flags; the model runs in a Python worker process.`,
  flags: {
    ...RUNTIME_FLAGS,
    "model-path": {
      ...RUNTIME_FLAGS["model-path"],
      help: "the IR artifact, an uncompressed tar of model.xml and model.bin (docs/runtime.md), e.g. from the agent's artifact cache",
    },
    "intra-op-threads": {
      ...RUNTIME_FLAGS["intra-op-threads"],
      help: "OpenVINO's threads per inference (INFERENCE_NUM_THREADS); 0 is one per core",
    },
    python: PYTHON_FLAG,
  },
});

export const HELP = CLI.help;

export interface OpenVinoOptions extends RuntimeOptions {
  python: string;
}

export function parseOptions(argv: string[]): Parsed<OpenVinoOptions> {
  return CLI.parse(argv, (v) => ({ ...runtimeOptions(v), python: v.python }));
}
