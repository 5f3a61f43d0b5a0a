import type { Tensor } from "onnxruntime-node";

/**
 * The Open Inference Protocol datatypes the runtime accepts and returns, with the onnxruntime
 * element type and how a JSON number becomes an element. Other tensor types are listed in model
 * metadata by their onnxruntime name, and requests for them are refused.
 */
/** A tensor's elements, in the typed array its datatype allocates. */
export type TypedData = Float32Array | Float64Array | Int32Array | BigInt64Array;

export interface Datatype {
  oip: string;
  ort: Tensor.Type;
  /** Bytes per element in the binary tensor data extension (little-endian, as onnxruntime's hosts are). */
  size: number;
  /** A typed array of n elements for the input's data. */
  allocate(n: number): TypedData;
  /** The element for a JSON value, or undefined when the value cannot be one. */
  element(value: unknown): number | bigint | undefined;
  /** Output data as JSON-ready numbers. */
  toJson(data: Tensor["data"]): number[];
}

const asNumber = (v: unknown) => (typeof v === "number" ? v : undefined);
const asInteger = (v: unknown) => (Number.isInteger(v) ? (v as number) : undefined);
const numbers = (data: Tensor["data"]) => Array.from(data as ArrayLike<number>);

export const DATATYPES: readonly Datatype[] = [
  { oip: "FP32", ort: "float32", size: 4, allocate: (n) => new Float32Array(n), element: asNumber, toJson: numbers },
  { oip: "FP64", ort: "float64", size: 8, allocate: (n) => new Float64Array(n), element: asNumber, toJson: numbers },
  { oip: "INT32", ort: "int32", size: 4, allocate: (n) => new Int32Array(n), element: asInteger, toJson: numbers },
  {
    oip: "INT64",
    ort: "int64",
    size: 8,
    allocate: (n) => new BigInt64Array(n),
    element: (v) => (Number.isSafeInteger(v) ? BigInt(v as number) : undefined),
    toJson: (data) => Array.from(data as BigInt64Array, Number),
  },
];

export const byOrtType = new Map(DATATYPES.map((d) => [d.ort, d]));
export const byOipName = new Map(DATATYPES.map((d) => [d.oip, d]));
export const SUPPORTED = DATATYPES.map((d) => d.oip).join(", ");

/** The OIP name of an onnxruntime element type; unsupported ones keep onnxruntime's name, upper-cased. */
export function oipName(type: Tensor.Type): string {
  return byOrtType.get(type)?.oip ?? type.toUpperCase();
}
