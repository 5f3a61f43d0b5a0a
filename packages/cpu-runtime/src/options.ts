import { parseArgs } from "node:util";
import { LEVELS, type Level } from "@edgefleet/kit";
import { DEFAULT_MAX_BODY_BYTES } from "./server.js";

export const HELP = `Usage: node --import tsx packages/cpu-runtime/src/main.ts --model-name NAME --model-version VERSION --model-path FILE [options]

edgefleet's CPU runtime: serves one ONNX model with onnxruntime over the Open Inference Protocol v2
(KServe v2) REST API, with Prometheus metrics at /metrics on the same port.

Options:
  --model-name NAME         the model's name in /v2/models/NAME (required); NAMESPACE/NAME, as the
                            operator's EDGEFLEET_MODEL gives it, serves as NAME
  --model-version VERSION   the model's version in /v2/models/NAME/versions/VERSION (required)
  --model-path FILE         the ONNX file, e.g. from the agent's artifact cache (required)
  --http-address HOST:PORT  where to listen (default: 0.0.0.0:8080; port 0 picks one); the bound
                            address is logged as {"msg":"listening","address":"HOST:PORT"}
  --max-body-bytes N        largest infer request body accepted; larger ones get 413 (default: ${DEFAULT_MAX_BODY_BYTES})
  --intra-op-threads N      onnxruntime threads per inference (default: 0, one per core)
  --log-level LEVEL         ${LEVELS.join(", ")} (default: info); logs are JSON lines on stdout
  -h, --help                this help`;

export interface RuntimeOptions {
  modelName: string;
  modelVersion: string;
  modelPath: string;
  httpAddress: string;
  maxBodyBytes: number;
  intraOpThreads: number;
  logLevel: Level;
}

function required(flag: string, value: string | undefined): string {
  if (!value) throw new Error(`--${flag} is required`);
  return value;
}

/** Name and version are URL path segments, and label values in the runtime's metrics. */
function segment(flag: string, value: string | undefined): string {
  const v = required(flag, value);
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/.test(v))
    throw new Error(`--${flag} must be 1-63 letters, digits, ".", "_" or "-", starting with a letter or digit, got "${v}"`);
  return v;
}

function integer(flag: string, value: string, min: number): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < min) throw new Error(`--${flag} must be an integer >= ${min}, got "${value}"`);
  return n;
}

/** The runtime's options, or "help" when --help was given. */
/** OIP model names are one path segment, so a namespace/ prefix (the operator's EDGEFLEET_MODEL form) is dropped. */
function modelName(value: string | undefined): string {
  return segment("model-name", value?.slice(value.indexOf("/") + 1));
}

export function parseOptions(argv: string[]): RuntimeOptions | "help" {
  const { values: v } = parseArgs({
    args: argv,
    strict: true,
    options: {
      "model-name": { type: "string" },
      "model-version": { type: "string" },
      "model-path": { type: "string" },
      "http-address": { type: "string", default: "0.0.0.0:8080" },
      "max-body-bytes": { type: "string", default: String(DEFAULT_MAX_BODY_BYTES) },
      "intra-op-threads": { type: "string", default: "0" },
      "log-level": { type: "string", default: "info" },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (v.help) return "help";
  const level = v["log-level"] as Level;
  if (!LEVELS.includes(level)) throw new Error(`--log-level must be one of ${LEVELS.join(", ")}, got "${v["log-level"]}"`);
  if (!/^.+:\d+$/.test(v["http-address"]))
    throw new Error(`--http-address must be HOST:PORT (e.g. 0.0.0.0:8080 or 127.0.0.1:0), got "${v["http-address"]}"`);
  return {
    modelName: modelName(v["model-name"]),
    modelVersion: segment("model-version", v["model-version"]),
    modelPath: required("model-path", v["model-path"]),
    httpAddress: v["http-address"],
    maxBodyBytes: integer("max-body-bytes", v["max-body-bytes"], 1),
    intraOpThreads: integer("intra-op-threads", v["intra-op-threads"], 0),
    logLevel: level,
  };
}
