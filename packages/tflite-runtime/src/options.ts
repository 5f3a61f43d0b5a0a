import { workerRuntimeCli } from "@edgefleet/python-worker";

export const CLI = workerRuntimeCli({
  usage: "node --import tsx packages/tflite-runtime/src/main.ts --model-name NAME --model-version VERSION --model-path FILE [options]",
  about: `edgefleet's TFLite runtime: serves one TFLite model (.tflite, fp32 or int8) with LiteRT's interpreter on
the CPU (no Edge TPU delegate) over the Open Inference Protocol v2 (KServe v2) REST API, with
Prometheus metrics at /metrics on the same port. The CPU runtime's server and flags; the model runs
in a Python worker process.`,
  modelPathHelp: "the .tflite file (a TFLite flatbuffer), e.g. from the agent's artifact cache",
  threadsHelp: "the interpreter's threads (num_threads); 0 lets LiteRT pick",
});

export const HELP = CLI.help;
