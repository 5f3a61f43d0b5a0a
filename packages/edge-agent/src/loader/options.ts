import { LOAD_KEY_ENV, LOAD_KEY_HEADER, MODEL_SERVER_ENV, TRITON_FORMATS, type TritonFormat } from "@edgefleet/api";
import { command, type Level, LOG_LEVEL_FLAG, type Parsed } from "@edgefleet/kit";

const CLI = command({
  usage: "node /app/model-loader.mjs [options]   (the operator's EDGEFLEET_* environment sets them)",
  about: `edgefleet's model loader: a model's pod on a runtime that serves several models in one process
(an EdgeRuntime with serving: Shared). It loads the verified file into the node's server through the
model repository API (Triton's load, the file in the request), keeps it loaded (loading it again if the
server restarts), serves the model's Open Inference Protocol v2 routes and metrics by passing them to the
server, and unloads it when the pod stops.`,
  flags: {
    server: {
      type: "url",
      schemes: ["http"],
      example: "http://runtime-server.vision.svc:8080",
      required: true,
      env: MODEL_SERVER_ENV,
      help: "the node's shared server (its Service, which keeps traffic on the node)",
    },
    "model-name": {
      type: "string",
      arg: "NAMESPACE/NAME",
      required: true,
      env: "EDGEFLEET_MODEL",
      check: { must: "be NAMESPACE/NAME", test: /^[a-z0-9][a-z0-9.-]*\/[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/ },
      help: "the EdgeModel; its NAME is what the loader serves in /v2/models/NAME",
    },
    "model-version": { type: "string", required: true, env: "EDGEFLEET_MODEL_VERSION", help: "the EdgeModel's version" },
    format: {
      type: "enum",
      of: TRITON_FORMATS,
      required: true,
      env: "EDGEFLEET_FORMAT",
      help: "the variant's format, which names the file and platform of the load",
    },
    "model-path": { type: "string", arg: "FILE", required: true, help: "the verified file in the agent's artifact cache" },
    "model-sha256": {
      type: "string",
      arg: "HEX",
      required: true,
      env: "EDGEFLEET_ARTIFACT_SHA256",
      check: { must: "be a sha256: 64 lowercase hex digits", test: /^[a-f0-9]{64}$/ },
      help: "the file's verified sha256: the loader reads the file once and sends those bytes only if they hash to this",
    },
    "load-header": { type: "string", default: LOAD_KEY_HEADER, help: "the header the server's model repository API requires" },
    "load-key": {
      type: "string",
      required: true,
      env: LOAD_KEY_ENV,
      help: `its value (set ${LOAD_KEY_ENV} from a Secret rather than the flag)`,
    },
    "check-interval": {
      type: "duration",
      default: "5s",
      help: "how often the loader checks that the server still has the model, loading it again when not",
    },
    "http-address": { type: "address", default: "0.0.0.0:8080", help: "where the model's routes are served" },
    "log-level": LOG_LEVEL_FLAG,
  },
});

export const LOADER_HELP = CLI.help;

export interface LoaderOptions {
  server: string;
  namespace: string;
  name: string;
  version: string;
  format: TritonFormat;
  modelPath: string;
  sha256: string;
  loadHeader: string;
  loadKey: string;
  checkIntervalMs: number;
  httpAddress: string;
  logLevel: Level;
}

export function parseLoaderOptions(argv: string[], env: NodeJS.ProcessEnv = process.env): Parsed<LoaderOptions> {
  return CLI.parse(
    argv,
    (v) => {
      const [namespace = "", name = ""] = v["model-name"].split("/");
      return {
        server: v.server.replace(/\/+$/, ""),
        namespace,
        name,
        version: v["model-version"],
        format: v.format,
        modelPath: v["model-path"],
        sha256: v["model-sha256"],
        loadHeader: v["load-header"].toLowerCase(),
        loadKey: v["load-key"],
        checkIntervalMs: v["check-interval"],
        httpAddress: v["http-address"],
        logLevel: v["log-level"],
      };
    },
    env,
  );
}
