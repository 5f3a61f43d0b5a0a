import { command, type Flags, type FlagValues, type Level, LOG_LEVEL_FLAG, type Parsed } from "@edgefleet/kit";
import { LATENCY_CLOCKS, type LatencyClock } from "./latency-clock.js";
import { SEGMENT, SEGMENT_RULE } from "./names.js";
import { parseRestrictedApi, type RestrictedApi } from "./repository.js";
import { DEFAULT_MAX_BATCH, MIN_MAX_INPUT_BYTES } from "./request.js";
import { DEFAULT_MAX_BODY_BYTES, DEFAULT_MAX_LOAD_BYTES } from "./server.js";

/** Triton's --model-control-mode values this runtime takes (not poll: it has no repository directory to poll). */
const MODEL_CONTROL_MODES = ["none", "explicit"] as const;

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

/** A flag that is required of a runtime serving one model, and refused under explicit model control. */
function oneModelFlag<F extends { required: true }>({ required: _, ...flag }: F): Omit<F, "required"> {
  return flag;
}

const ONE_MODEL_FLAGS = ["model-name", "model-version", "model-path", "model-sha256"] as const;

const CLI = command({
  usage: [
    "node --import tsx packages/cpu-runtime/src/main.ts --model-name NAME --model-version VERSION --model-path FILE [options]",
    "node --import tsx packages/cpu-runtime/src/main.ts --model-control-mode explicit [--http-restricted-api model-repository:HEADER=VALUE] [options]",
  ],
  about: `edgefleet's CPU runtime: serves ONNX models with onnxruntime over the Open Inference Protocol v2
(KServe v2) REST API, with Prometheus metrics at /metrics on the same port: one model named by its
flags, or, under explicit model control, the models loaded and unloaded through the model repository
extension (POST /v2/repository/models/NAME/load with the file in the request, as Triton takes it).`,
  flags: {
    ...RUNTIME_FLAGS,
    "model-name": oneModelFlag(RUNTIME_FLAGS["model-name"]),
    "model-version": oneModelFlag(RUNTIME_FLAGS["model-version"]),
    "model-path": { ...oneModelFlag(RUNTIME_FLAGS["model-path"]), help: "the ONNX file, e.g. from the agent's artifact cache" },
    "intra-op-threads": { ...RUNTIME_FLAGS["intra-op-threads"], help: "onnxruntime's intra-op threads per inference; 0 is one per core" },
    "model-control-mode": {
      type: "enum",
      of: MODEL_CONTROL_MODES,
      default: "none",
      section: "Explicit model control",
      help: "none: serve the one model --model-name, --model-version and --model-path name; explicit: start with no model, and load and unload models through /v2/repository while serving the others (Triton's flag); those flags are refused then",
    },
    "http-restricted-api": {
      type: "string",
      arg: "model-repository:HEADER=VALUE",
      check: {
        must: "be model-repository:HEADER=VALUE (Triton's form; HEADER letters, digits and -)",
        test: (v: string) => parseRestrictedApi(v) !== undefined,
      },
      help: "requests to the model repository API must carry this header with this value (others get 403); give it whenever anything but the model loader can reach the port",
    },
    "max-load-bytes": {
      type: "integer",
      default: String(DEFAULT_MAX_LOAD_BYTES),
      help: "largest load request body (the model file in base64, 4/3 of its size) accepted; larger ones get 413",
    },
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

type ServerFlags = "http-address" | "max-body-bytes" | "max-input-bytes" | "intra-op-threads" | "latency-clock" | "log-level";

/** The options of the server itself, whatever it serves. */
function serverOptions(v: Pick<FlagValues<typeof RUNTIME_FLAGS>, ServerFlags>): Omit<RuntimeOptions, OneModel> {
  return {
    httpAddress: v["http-address"],
    maxBodyBytes: v["max-body-bytes"],
    maxInputBytes: v["max-input-bytes"],
    intraOpThreads: v["intra-op-threads"],
    latencyClock: v["latency-clock"],
    logLevel: v["log-level"],
  };
}

/** The options RUNTIME_FLAGS give, from a runtime's parsed flags. */
export function runtimeOptions(v: FlagValues<typeof RUNTIME_FLAGS>): RuntimeOptions {
  return {
    modelName: modelName(v["model-name"]),
    modelVersion: v["model-version"],
    modelPath: v["model-path"],
    ...(v["model-sha256"] ? { modelSha256: v["model-sha256"] } : {}),
    ...serverOptions(v),
  };
}

type OneModel = "modelName" | "modelVersion" | "modelPath" | "modelSha256";

/** The options of a runtime under explicit model control: a runtime's but the one model's. */
export interface RepositoryOptions extends Omit<RuntimeOptions, OneModel> {
  restricted?: RestrictedApi;
  maxLoadBytes: number;
}

/** The CPU runtime's options: one model, or explicit model control. */
export type CpuRuntimeOptions = { control: "none"; options: RuntimeOptions } | { control: "explicit"; options: RepositoryOptions };

export function parseOptions(argv: string[]): Parsed<CpuRuntimeOptions> {
  return CLI.parse(argv, (v) => {
    if (v["model-control-mode"] === "none") {
      for (const name of ONE_MODEL_FLAGS.slice(0, 3))
        if (v[name] === undefined)
          throw new Error(`--${name} is required (or start with --model-control-mode explicit to load models through /v2/repository)`);
      if (v["http-restricted-api"] !== undefined)
        throw new Error("--http-restricted-api restricts the model repository API, which only --model-control-mode explicit serves");
      return { control: "none", options: runtimeOptions(v as FlagValues<typeof RUNTIME_FLAGS>) };
    }
    for (const name of ONE_MODEL_FLAGS)
      if (v[name] !== undefined)
        throw new Error(
          `--${name} names the one model a runtime serves; under --model-control-mode explicit models are loaded through POST /v2/repository/models/NAME/load`,
        );
    const restricted = v["http-restricted-api"] === undefined ? undefined : parseRestrictedApi(v["http-restricted-api"]);
    return {
      control: "explicit",
      options: {
        ...serverOptions(v),
        maxLoadBytes: v["max-load-bytes"],
        ...(restricted ? { restricted } : {}),
      },
    };
  });
}
