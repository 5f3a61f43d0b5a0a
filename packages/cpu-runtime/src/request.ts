import type { Datatype, TypedData } from "./datatypes.js";
import { SUPPORTED } from "./datatypes.js";
import { ProtocolError } from "./errors.js";
import type { InputTensor, LoadedModel, TensorSpec } from "./served-model.js";

/** An OIP v2 infer request, checked against the model and turned into the model's input tensors. */
export interface InferRequest {
  id: string | undefined;
  feeds: Record<string, InputTensor>;
  /** Outputs the client asked for, or undefined for all of them. */
  outputs: string[] | undefined;
}

/**
 * The request body and, with the binary tensor data extension, where the next input's bytes start;
 * and how many bytes of input tensors the request may still allocate.
 */
interface Body {
  bytes: Buffer;
  binaryOffset: number | undefined;
  inputBytesLeft: number;
}

/** The default --max-input-bytes: this many samples of the model's inputs... */
export const DEFAULT_MAX_BATCH = 64;
/** ...but never less than this, for models whose open dimensions are not a batch (a sequence length). */
export const MIN_MAX_INPUT_BYTES = 1024 * 1024;

/**
 * The most bytes one request's input tensors may take when --max-input-bytes is not given:
 * DEFAULT_MAX_BATCH samples, a sample being every input with its open dimensions as 1.
 */
export function defaultMaxInputBytes(inputs: readonly TensorSpec[]): number {
  const sample = inputs.reduce((sum, s) => sum + s.shape.reduce((n, d) => n * Math.max(d, 1), 1) * (s.type?.size ?? 8), 0);
  return Math.max(MIN_MAX_INPUT_BYTES, sample * DEFAULT_MAX_BATCH);
}

const bad = (message: string) => new ProtocolError(400, message);
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const showShape = (shape: readonly number[]) => `[${shape.join(",")}]`;

/** Copies possibly nested JSON data into out; returns how many elements it found (writing at most out.length). */
function fill(data: unknown[], out: TypedData, type: Datatype, start: number, field: string): number {
  let offset = start;
  for (const value of data) {
    if (Array.isArray(value)) {
      offset = fill(value, out, type, offset, field);
      continue;
    }
    const element = type.element(value);
    if (element === undefined) throw bad(`${field}: element ${offset} is ${JSON.stringify(value)}, not a ${type.oip} value`);
    if (offset < out.length) out[offset] = element as never;
    offset++;
  }
  return offset;
}

function checkShape(value: unknown, spec: TensorSpec, field: string): number[] {
  if (!Array.isArray(value) || !value.every((d) => Number.isSafeInteger(d) && d >= 0))
    throw bad(`${field}: must be an array of non-negative integers, got ${JSON.stringify(value)}`);
  const shape = value as number[];
  if (shape.length !== spec.shape.length || shape.some((d, i) => spec.shape[i] !== -1 && spec.shape[i] !== d))
    throw bad(`${field}: ${showShape(shape)} does not fit input "${spec.name}" of shape ${showShape(spec.shape)} (-1: any size)`);
  // An empty tensor has nothing to infer, and onnxruntime's answer to one would count as a model error.
  if (shape.includes(0)) throw bad(`${field}: ${showShape(shape)} has a 0 dimension; every dimension must be at least 1`);
  return shape;
}

/** An input's elements from the binary section: copied once into an aligned typed array. */
function binaryData(size: unknown, body: Body, type: Datatype, expected: number, field: string): TypedData {
  if (body.binaryOffset === undefined)
    throw bad(`${field}.parameters.binary_data_size: binary data needs the Inference-Header-Content-Length header`);
  if (!Number.isSafeInteger(size) || (size as number) < 0)
    throw bad(`${field}.parameters.binary_data_size: must be a byte count, got ${JSON.stringify(size)}`);
  const bytes = size as number;
  if (bytes !== expected * type.size)
    throw bad(`${field}.parameters.binary_data_size: ${bytes} bytes, but ${expected} ${type.oip} elements take ${expected * type.size}`);
  const start = body.binaryOffset;
  if (start + bytes > body.bytes.length)
    throw bad(`${field}.parameters.binary_data_size: ${bytes} bytes, but only ${body.bytes.length - start} bytes of binary data are left`);
  body.binaryOffset = start + bytes;
  const data = type.allocate(expected);
  new Uint8Array(data.buffer).set(body.bytes.subarray(start, start + bytes));
  return data;
}

function jsonData(value: unknown, type: Datatype, expected: number, shape: number[], field: string): TypedData {
  if (!Array.isArray(value)) throw bad(`${field}.data: must be an array (flat or nested) of ${type.oip} values`);
  const data = type.allocate(expected);
  const found = fill(value, data, type, 0, `${field}.data`);
  if (found !== expected)
    throw bad(`${field}.data: ${found} element${found === 1 ? "" : "s"}, but shape ${showShape(shape)} needs ${expected}`);
  return data;
}

function tensor(
  input: unknown,
  index: number,
  model: LoadedModel,
  inputs: ReadonlyMap<string, TensorSpec>,
  body: Body,
): [string, InputTensor] {
  const field = `inputs[${index}]`;
  if (!isObject(input)) throw bad(`${field}: must be an object with name, shape, datatype and data`);
  const spec = typeof input.name === "string" ? inputs.get(input.name) : undefined;
  if (!spec)
    throw bad(
      `${field}.name: model ${model.name} has no input ${JSON.stringify(input.name)}; its inputs are ${[...inputs.keys()].join(", ")}`,
    );
  if (!spec.type)
    throw bad(`${field}.datatype: input "${spec.name}" is ${spec.datatype}, which this runtime cannot take (it takes ${SUPPORTED})`);
  if (input.datatype !== spec.type.oip)
    throw bad(`${field}.datatype: input "${spec.name}" takes ${spec.type.oip}, got ${JSON.stringify(input.datatype)}`);
  const shape = checkShape(input.shape, spec, `${field}.shape`);
  const expected = shape.reduce((a, b) => a * b, 1);
  // Checked before anything is allocated: a huge batch would otherwise take the runtime's memory,
  // or fail as a RangeError that reads as the model's error.
  const bytes = expected * spec.type.size;
  if (bytes > body.inputBytesLeft)
    throw bad(
      `${field}.shape: ${showShape(shape)} takes ${bytes} bytes, over the ${body.inputBytesLeft} bytes left of the runtime's limit on a request's inputs (--max-input-bytes); send a smaller batch`,
    );
  body.inputBytesLeft -= bytes;
  const binarySize = isObject(input.parameters) ? input.parameters.binary_data_size : undefined;
  const data =
    binarySize === undefined
      ? jsonData(input.data, spec.type, expected, shape, field)
      : binaryData(binarySize, body, spec.type, expected, field);
  return [spec.name, { type: spec.type, data, dims: shape }];
}

function requestedOutputs(value: unknown, outputs: readonly TensorSpec[]): string[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value)) throw bad(`outputs: must be an array of {"name": ...}, got ${JSON.stringify(value)}`);
  return value.map((o: unknown, i) => {
    const name = isObject(o) ? o.name : undefined;
    const spec = outputs.find((s) => s.name === name);
    if (!spec)
      throw bad(`outputs[${i}].name: no output ${JSON.stringify(name)}; the model's outputs are ${outputs.map((s) => s.name).join(", ")}`);
    if (!spec.type) throw bad(`outputs[${i}].name: output "${spec.name}" is ${spec.datatype}, which this runtime cannot return`);
    return spec.name;
  });
}

function headerLength(value: string | undefined, bodyLength: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 0 || n > bodyLength)
    throw bad(`Inference-Header-Content-Length: must be the JSON header's byte count, 0 to ${bodyLength}, got ${JSON.stringify(value)}`);
  return n;
}

/**
 * Parses infer request bodies for one model; the model's input lookup is built once. A request's
 * input tensors may take at most maxInputBytes, checked from their shapes before allocating. With an
 * Inference-Header-Content-Length header (the binary tensor data extension) the body is that many
 * bytes of JSON followed by the inputs' raw bytes, in input order.
 */
export function inferRequestParser(
  model: LoadedModel,
  maxInputBytes: number,
): (bytes: Buffer, jsonLength: string | undefined) => InferRequest {
  const inputs = new Map(model.inputs.map((s) => [s.name, s]));
  return (bytes, jsonLengthHeader) => {
    const jsonLength = headerLength(jsonLengthHeader, bytes.length);
    const body: Body = { bytes, binaryOffset: jsonLength, inputBytesLeft: maxInputBytes };
    let request: unknown;
    try {
      request = JSON.parse(bytes.toString("utf8", 0, jsonLength ?? bytes.length));
    } catch (err) {
      throw bad(`request body is not valid JSON: ${err instanceof Error ? err.message : err}`);
    }
    if (!isObject(request)) throw bad("request body must be a JSON object with an inputs array");
    if (request.id !== undefined && typeof request.id !== "string") throw bad(`id: must be a string, got ${JSON.stringify(request.id)}`);
    if (!Array.isArray(request.inputs) || request.inputs.length === 0) throw bad("inputs: must be a non-empty array of input tensors");
    const feeds: Record<string, InputTensor> = {};
    request.inputs.forEach((input: unknown, i) => {
      const [name, t] = tensor(input, i, model, inputs, body);
      if (feeds[name]) throw bad(`inputs[${i}].name: input "${name}" is given twice`);
      feeds[name] = t;
    });
    const missing = model.inputs.filter((s) => !feeds[s.name]).map((s) => `"${s.name}"`);
    if (missing.length > 0) throw bad(`inputs: missing ${missing.join(", ")}; model ${model.name} needs every input`);
    if (body.binaryOffset !== undefined && body.binaryOffset !== bytes.length)
      throw bad(`inputs: ${bytes.length - body.binaryOffset} bytes of binary data beyond what the inputs' binary_data_size claim`);
    return { id: request.id, feeds, outputs: requestedOutputs(request.outputs, model.outputs) };
  };
}
