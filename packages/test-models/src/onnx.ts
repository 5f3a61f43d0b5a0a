import { ProtoWriter } from "./protobuf.js";

/**
 * An ONNX ModelProto encoder for the subset the test models use: nodes with int-list attributes,
 * float initializers as raw_data and tensor-typed graph inputs and outputs. Field numbers are
 * those of onnx/onnx.proto.
 */

/** IR version 7 is the one that goes with opset 13. */
export const IR_VERSION = 7;
export const OPSET = 13;

const TENSOR_FLOAT = 1;
const ATTRIBUTE_INT = 2;
const ATTRIBUTE_INTS = 7;

export interface OnnxNode {
  opType: string;
  inputs: string[];
  outputs: string[];
  /** Int-list attributes (kernel_shape, pads, strides, ...). */
  ints?: Record<string, number[]>;
  /** Int attributes (transB, axis, ...). */
  int?: Record<string, number>;
}

export interface FloatInitializer {
  name: string;
  dims: number[];
  values: Float32Array;
}

/** A float32 graph input or output; a string dim is symbolic (e.g. "batch"). */
export interface TensorValue {
  name: string;
  shape: (number | string)[];
}

export interface OnnxGraph {
  name: string;
  nodes: OnnxNode[];
  initializers: FloatInitializer[];
  inputs: TensorValue[];
  outputs: TensorValue[];
}

export interface OnnxModel {
  producerName: string;
  producerVersion: string;
  docString: string;
  graph: OnnxGraph;
}

function node(w: ProtoWriter, n: OnnxNode, index: number): void {
  for (const input of n.inputs) w.string(1, input);
  for (const output of n.outputs) w.string(2, output);
  w.string(3, `${n.opType.toLowerCase()}_${index}`);
  w.string(4, n.opType);
  for (const [name, values] of Object.entries(n.ints ?? {})) {
    w.message(5, (a) => {
      a.string(1, name);
      for (const v of values) a.varint(8, v);
      a.varint(20, ATTRIBUTE_INTS);
    });
  }
  for (const [name, value] of Object.entries(n.int ?? {})) {
    w.message(5, (a) => a.string(1, name).varint(3, value).varint(20, ATTRIBUTE_INT));
  }
}

function initializer(w: ProtoWriter, t: FloatInitializer): void {
  const expected = t.dims.reduce((a, b) => a * b, 1);
  if (expected !== t.values.length)
    throw new Error(`initializer ${t.name}: dims ${t.dims.join("x")} need ${expected} values, got ${t.values.length}`);
  for (const d of t.dims) w.varint(1, d);
  w.varint(2, TENSOR_FLOAT);
  w.string(8, t.name);
  // Little-endian whatever the host, as the ONNX spec requires of raw_data.
  const raw = new Uint8Array(t.values.length * 4);
  const view = new DataView(raw.buffer);
  for (let i = 0; i < t.values.length; i++) view.setFloat32(i * 4, t.values[i] ?? 0, true);
  w.bytes(9, raw);
}

function valueInfo(w: ProtoWriter, v: TensorValue): void {
  w.string(1, v.name);
  w.message(2, (type) =>
    type.message(1, (tensor) => {
      tensor.varint(1, TENSOR_FLOAT);
      tensor.message(2, (shape) => {
        for (const d of v.shape) shape.message(1, (dim) => (typeof d === "number" ? dim.varint(1, d) : dim.string(2, d)));
      });
    }),
  );
}

export function encodeModel(model: OnnxModel): Uint8Array {
  const { graph } = model;
  return new ProtoWriter()
    .varint(1, IR_VERSION)
    .string(2, model.producerName)
    .string(3, model.producerVersion)
    .string(6, model.docString)
    .message(7, (g) => {
      for (const [i, n] of graph.nodes.entries()) g.message(1, (w) => node(w, n, i));
      g.string(2, graph.name);
      for (const t of graph.initializers) g.message(5, (w) => initializer(w, t));
      for (const v of graph.inputs) g.message(11, (w) => valueInfo(w, v));
      for (const v of graph.outputs) g.message(12, (w) => valueInfo(w, v));
    })
    .message(8, (o) => o.string(1, "").varint(2, OPSET))
    .finish();
}
