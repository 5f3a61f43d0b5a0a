import { timingSafeEqual } from "node:crypto";
import { ProtocolError } from "./errors.js";
import type { LoadedModel } from "./served-model.js";

/**
 * How a runtime under explicit model control loads a model sent to it: the model repository
 * extension's load request with Triton's file override, the model file's bytes in the request
 * (base64), so the runtime needs no repository directory shared with whoever loads models.
 */
export interface ModelRepository {
  /** The platform a load's config may name (Triton's ModelConfig "platform"), e.g. onnxruntime_onnx. */
  readonly platform: string;
  /** The backend a load's config may name instead (Triton's "backend"), e.g. onnxruntime. */
  readonly backend: string;
  /** The model file's name in the load's file: parameter, e.g. model.onnx. */
  readonly fileName: string;
  load(name: string, version: string, bytes: Uint8Array): Promise<LoadedModel>;
}

/** A load request's model: the version its file: parameter names, and the file. */
export interface LoadRequest {
  readonly version: string;
  readonly bytes: Buffer;
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const FILE_PARAMETER = /^file:([0-9]{1,18})\/(.+)$/;

function refuse(message: string): ProtocolError {
  return new ProtocolError(400, `load request: ${message}`);
}

/**
 * Reads a load request: {"parameters": {"config": "<ModelConfig JSON>", "file:<version>/<file>": "<base64>"}},
 * the form Triton takes, so the same loader drives Triton and edgefleet's runtimes. Anything this
 * runtime cannot act on is refused naming the parameter, rather than ignored.
 */
export function parseLoadRequest(body: Buffer, repository: ModelRepository): LoadRequest {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString("utf8"));
  } catch {
    throw refuse("the body is not JSON");
  }
  const parameters = (parsed as { parameters?: unknown } | null)?.parameters;
  const expected = `"file:1/${repository.fileName}": the model file in base64`;
  if (typeof parameters !== "object" || parameters === null || Array.isArray(parameters))
    throw refuse(
      `"parameters" is required: {"config": "<model config JSON>", ${expected}}; this runtime has no model repository to load from`,
    );
  let file: LoadRequest | undefined;
  let config = false;
  for (const [key, value] of Object.entries(parameters as Record<string, unknown>)) {
    if (key === "config") {
      checkConfig(value, repository);
      config = true;
      continue;
    }
    const match = FILE_PARAMETER.exec(key);
    if (!match) throw refuse(`unknown parameter "${key}"; this runtime takes "config" and ${expected}`);
    if (match[2] !== repository.fileName)
      throw refuse(`parameter "${key}" names ${match[2]}; this runtime loads ${repository.fileName} (${expected})`);
    if (file) throw refuse(`more than one file: parameter; this runtime loads one version of a model at a time (${expected})`);
    if (typeof value !== "string" || !value || !BASE64.test(value)) throw refuse(`parameter "${key}" must be the file's bytes in base64`);
    file = { version: String(Number(match[1])), bytes: Buffer.from(value, "base64") };
  }
  if (!file) throw refuse(`no file: parameter; send ${expected}`);
  if (!config)
    throw refuse(`"config" is required with a file: parameter (Triton's rule), e.g. "{\\"platform\\":\\"${repository.platform}\\"}"`);
  return file;
}

function checkConfig(value: unknown, repository: ModelRepository): void {
  let config: unknown;
  try {
    config = typeof value === "string" ? JSON.parse(value) : undefined;
  } catch {}
  if (typeof config !== "object" || config === null || Array.isArray(config))
    throw refuse(`parameter "config" must be a model config as a JSON string, e.g. "{\\"platform\\":\\"${repository.platform}\\"}"`);
  const { platform, backend } = config as { platform?: unknown; backend?: unknown };
  if (platform !== undefined && platform !== repository.platform)
    throw refuse(`config.platform ${JSON.stringify(platform)} is not served here; this runtime serves ${repository.platform}`);
  if (backend !== undefined && backend !== repository.backend)
    throw refuse(`config.backend ${JSON.stringify(backend)} is not served here; this runtime's backend is ${repository.backend}`);
}

/** A header the model repository API requires (Triton's --http-restricted-api model-repository:KEY=VALUE). */
export interface RestrictedApi {
  readonly header: string;
  readonly value: string;
}

const RESTRICTED = /^model-repository:([A-Za-z0-9-]+)=(.+)$/;

/** Parses --http-restricted-api's value; only the model-repository API can be restricted here. */
export function parseRestrictedApi(value: string): RestrictedApi | undefined {
  const match = RESTRICTED.exec(value);
  if (!match?.[1] || !match[2]) return undefined;
  return { header: match[1].toLowerCase(), value: match[2] };
}

/** Whether a request carries the restricted API's header with its value (compared in constant time). */
export function allowed(restricted: RestrictedApi, headers: Record<string, string | string[] | undefined>): boolean {
  const given = headers[restricted.header];
  if (typeof given !== "string") return false;
  const a = Buffer.from(given);
  const b = Buffer.from(restricted.value);
  return a.length === b.length && timingSafeEqual(a, b);
}
