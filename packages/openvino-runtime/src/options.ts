import { workerRuntimeCli } from "@edgefleet/python-worker";

export const CLI = workerRuntimeCli({
  usage: "node --import tsx packages/openvino-runtime/src/main.ts --model-name NAME --model-version VERSION --model-path FILE [options]",
  about: `edgefleet's OpenVINO runtime: serves one OpenVINO IR (fp32 or int8) with the OpenVINO runtime on the
CPU over the Open Inference Protocol v2 (KServe v2) REST API, with Prometheus metrics at /metrics on
the same port. The CPU runtime's server and flags; the model runs in a Python worker process.`,
  modelPathHelp: "the IR artifact, an uncompressed tar of model.xml and model.bin (docs/runtime.md), e.g. from the agent's artifact cache",
  threadsHelp: "OpenVINO's threads per inference (INFERENCE_NUM_THREADS); 0 is one per core",
});

export const HELP = CLI.help;
