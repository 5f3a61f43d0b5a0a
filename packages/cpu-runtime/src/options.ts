import { command, type Flags, type FlagValues, type Level, LOG_LEVEL_FLAG, type Parsed } from "@edgefleet/kit";
import { LATENCY_CLOCKS, type LatencyClock } from "./latency-clock.js";
import { DEFAULT_MAX_BATCH, MIN_MAX_INPUT_BYTES } from "./request.js";
import { DEFAULT_MAX_BODY_BYTES } from "./server.js";

/** Name and version are URL path segments, and label values in the runtime's metrics. */
const SEGMENT = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;
const SEGMENT_RULE = 'be 1-63 letters, digits, ".", "_" or "-", starting with a letter or digit';

/** OIP model names are one path segment, so a namespace/ prefix (the operator's EDGEFLEET_MODEL form) is dropped. */
const modelName = (value: string) => value.slice(value.indexOf("/") + 1);

/**
 * The flags of every edgefleet runtime that serves one model through RuntimeServer (this one, the
 * OpenVINO runtime), so devices and simulated fleets start each the same way; a runtime restates
 * model-path's help for its format and may add flags of its own.
 */
export const RUNTIME_FLAGS = {
  "model-name": {
    type: "string",
    arg: "NAME",
    required: true,
    check: { must: SEGMENT_RULE, test: (v: string) => SEGMENT.test(modelName(v)) },
    help: "the model's name in /v2/models/NAME; NAMESPACE/NAME, as the operator's EDGEFLEET_MODEL gives it, serves as NAME",
  },
  "model-version": {
    type: "string",
    arg: "VERSION",
    required: true,
    check: { must: SEGMENT_RULE, test: SEGMENT },
    help: "the model's version in /v2/models/NAME/versions/VERSION",
  },
  "model-path": { type: "string", arg: "FILE", required: true, help: "the model file, e.g. from the agent's artifact cache" },
  "model-sha256": {
    type: "string",
    arg: "HEX",
    check: { must: "be a sha256: 64 lowercase hex digits", test: /^[a-f0-9]{64}$/ },
    help: "the model file's sha256 (the operator passes the verified artifact's): the runtime reads the file once, refuses to serve it unless it hashes to this, and loads the very bytes it hashed, so a file changed after the agent verified it is never served",
  },
  "http-address": {
    type: "address",
    default: "0.0.0.0:8080",
    help: 'where to listen; port 0 picks one, and the bound address is logged as {"msg":"listening","address":"HOST:PORT"}',
  },
  "max-body-bytes": {
    type: "integer",
    default: String(DEFAULT_MAX_BODY_BYTES),
    help: "largest infer request body accepted; larger ones get 413",
  },
  "max-input-bytes": {
    type: "integer",
    min: 0,
    default: "0",
    help: `most bytes one infer request's input tensors may take, checked from their shapes before anything is allocated; larger ones get 400 naming the input. 0: ${DEFAULT_MAX_BATCH} samples of the model's inputs (open dimensions as 1), at least ${MIN_MAX_INPUT_BYTES} bytes`,
  },
  "intra-op-threads": { type: "integer", min: 0, default: "0", help: "threads one inference runs on; 0 is one per core" },
  "latency-clock": {
    type: "enum",
    of: LATENCY_CLOCKS,
    default: "wall",
    help: "what an inference's duration is measured on: wall time, or process-cpu, the CPU time this process spent from the request's arrival to its answer: the latency a device with one core to itself would see, for simulated fleets whose runtimes share a machine's cores",
  },
  "log-level": LOG_LEVEL_FLAG,
} as const satisfies Flags;

const CLI = command({
  usage: "node --import tsx packages/cpu-runtime/src/main.ts --model-name NAME --model-version VERSION --model-path FILE [options]",
  about: `edgefleet's CPU runtime: serves one ONNX model with onnxruntime over the Open Inference Protocol v2
(KServe v2) REST API, with Prometheus metrics at /metrics on the same port.`,
  flags: {
    ...RUNTIME_FLAGS,
    "model-path": { ...RUNTIME_FLAGS["model-path"], help: "the ONNX file, e.g. from the agent's artifact cache" },
    "intra-op-threads": { ...RUNTIME_FLAGS["intra-op-threads"], help: "onnxruntime's intra-op threads per inference; 0 is one per core" },
  },
});

export const HELP = CLI.help;

export interface RuntimeOptions {
  modelName: string;
  modelVersion: string;
  modelPath: string;
  /** The model file's expected sha256 (--model-sha256), when given. */
  modelSha256?: string;
  httpAddress: string;
  maxBodyBytes: number;
  maxInputBytes: number;
  intraOpThreads: number;
  latencyClock: LatencyClock;
  logLevel: Level;
}

/** The options RUNTIME_FLAGS give, from a runtime's parsed flags. */
export function runtimeOptions(v: FlagValues<typeof RUNTIME_FLAGS>): RuntimeOptions {
  return {
    modelName: modelName(v["model-name"]),
    modelVersion: v["model-version"],
    modelPath: v["model-path"],
    ...(v["model-sha256"] ? { modelSha256: v["model-sha256"] } : {}),
    httpAddress: v["http-address"],
    maxBodyBytes: v["max-body-bytes"],
    maxInputBytes: v["max-input-bytes"],
    intraOpThreads: v["intra-op-threads"],
    latencyClock: v["latency-clock"],
    logLevel: v["log-level"],
  };
}

export function parseOptions(argv: string[]): Parsed<RuntimeOptions> {
  return CLI.parse(argv, runtimeOptions);
}
