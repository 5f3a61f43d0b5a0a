"""Writes the project's ONNX test models as TFLite models: a test-model writer, not a converter.

It rebuilds the graphs @edgefleet/test-models writes (Conv and Relu layers, GlobalAveragePool,
Flatten, Gemm, Softmax: packages/test-models/src/cnn.ts) as TFLite flatbuffers with the same
weights, through the TFLite schema LiteRT ships (ai_edge_litert.schema_py_generated); any other
operator is refused by name. The input keeps the ONNX model's NCHW layout (a TRANSPOSE to TFLite's
NHWC comes first), so the same tensor goes to both and their answers can be compared. ONNX's
symmetric convolution padding becomes an explicit PAD (TFLite's SAME pads a stride-2 convolution
on the far side only).

fp32: the graph with float32 weights. int8: that graph quantized after training by LiteRT's own
calibrator and quantizer (the ones TensorFlow's converter runs) on calibration samples drawn
uniformly from [0, 1), the test models' pixel range: weights (per channel) and activations in int8,
the input and output kept float32, as the OpenVINO int8 IR keeps them.

Usage: venv-python build_tflite.py --onnx MODEL.onnx --out MODEL.tflite --precision fp32|int8 [--samples N]
"""

import argparse
import sys


def build(onnx_path):
    import flatbuffers
    import numpy as np
    import onnx
    from ai_edge_litert import schema_py_generated as tfl
    from onnx import numpy_helper

    graph = onnx.load(onnx_path).graph
    weights = {t.name: numpy_helper.to_array(t) for t in graph.initializer}
    buffers = [tfl.BufferT()]  # buffer 0: the empty buffer tensors without data point at
    tensors, operators, codes = [], [], []
    by_name = {}

    def tensor(name, shape, data=None, dtype=tfl.TensorType.FLOAT32):
        t = tfl.TensorT()
        t.name, t.type = name, dtype
        t.shape = np.array([1 if d < 0 else d for d in shape], np.int32)
        t.shapeSignature = np.array(shape, np.int32)
        t.buffer = 0
        if data is not None:
            b = tfl.BufferT()
            b.data = np.frombuffer(np.ascontiguousarray(data).tobytes(), np.uint8)
            buffers.append(b)
            t.buffer = len(buffers) - 1
        tensors.append(t)
        by_name[name] = (len(tensors) - 1, list(shape))
        return len(tensors) - 1

    consts = {}

    def const(name, shape, data):
        # A layer the test model repeats uses its weights again: one tensor for all its runs.
        if name not in consts:
            consts[name] = tensor(name, shape, data)
        return consts[name]

    def const_i32(name, values):
        values = np.array(values, np.int32)
        return tensor(name, list(values.shape), values, tfl.TensorType.INT32)

    def op(code, inputs, outputs, options_type=tfl.BuiltinOptions.NONE, options=None):
        if code not in codes:
            codes.append(code)
        o = tfl.OperatorT()
        o.opcodeIndex, o.inputs, o.outputs = codes.index(code), inputs, outputs
        o.builtinOptionsType, o.builtinOptions = options_type, options
        operators.append(o)

    (source,) = graph.input
    dims = [d.dim_value if d.HasField("dim_value") else -1 for d in source.type.tensor_type.shape.dim]
    n, c, h, w = dims
    tensor(source.name, dims)
    current = f"{source.name}.nhwc"
    tensor(current, [n, h, w, c])
    op(tfl.BuiltinOperator.TRANSPOSE, [by_name[source.name][0], const_i32("nchw_to_nhwc", [0, 2, 3, 1])], [by_name[current][0]],
       tfl.BuiltinOptions.TransposeOptions, tfl.TransposeOptionsT())

    nodes = list(graph.node)
    i = 0
    while i < len(nodes):
        node = nodes[i]
        attrs = {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}
        _, shape = by_name[current]
        if node.op_type == "Conv":
            weight, bias = weights[node.input[1]], weights[node.input[2]]
            out_channels, _, kh, kw = weight.shape
            top, left, bottom, right = attrs.get("pads", [0, 0, 0, 0])
            sh, sw = attrs.get("strides", [1, 1])
            padded = f"{node.output[0]}.padded"
            tensor(padded, [shape[0], shape[1] + top + bottom, shape[2] + left + right, shape[3]])
            paddings = const_i32(f"{node.output[0]}.paddings", [[0, 0], [top, bottom], [left, right], [0, 0]])
            op(tfl.BuiltinOperator.PAD, [by_name[current][0], paddings], [by_name[padded][0]], tfl.BuiltinOptions.PadOptions, tfl.PadOptionsT())
            # A Relu right after the convolution is fused into it, as TFLite models have it.
            fused = i + 1 < len(nodes) and nodes[i + 1].op_type == "Relu" and nodes[i + 1].input[0] == node.output[0]
            out = nodes[i + 1].output[0] if fused else node.output[0]
            ph, pw = shape[1] + top + bottom, shape[2] + left + right
            tensor(out, [shape[0], (ph - kh) // sh + 1, (pw - kw) // sw + 1, out_channels])
            options = tfl.Conv2DOptionsT()
            options.padding, options.strideH, options.strideW = tfl.Padding.VALID, sh, sw
            options.dilationHFactor = options.dilationWFactor = 1
            options.fusedActivationFunction = tfl.ActivationFunctionType.RELU if fused else tfl.ActivationFunctionType.NONE
            filters = const(node.input[1], [out_channels, kh, kw, weight.shape[1]], weight.transpose(0, 2, 3, 1).astype(np.float32))
            biases = const(node.input[2], [out_channels], bias.astype(np.float32))
            op(tfl.BuiltinOperator.CONV_2D, [by_name[padded][0], filters, biases], [by_name[out][0]], tfl.BuiltinOptions.Conv2DOptions, options)
            current = out
            i += 2 if fused else 1
            continue
        if node.op_type == "Relu":
            raise ValueError(f"node {node.name or node.output[0]}: a Relu not right after a Conv; the writer fuses Relu into Conv only")
        if node.op_type == "GlobalAveragePool" and i + 1 < len(nodes) and nodes[i + 1].op_type == "Flatten":
            # GlobalAveragePool then Flatten: a MEAN over height and width, [batch, channels].
            out = nodes[i + 1].output[0]
            tensor(out, [shape[0], shape[3]])
            options = tfl.ReducerOptionsT()
            options.keepDims = False
            op(tfl.BuiltinOperator.MEAN, [by_name[current][0], const_i32("spatial_axes", [1, 2])], [by_name[out][0]], tfl.BuiltinOptions.ReducerOptions, options)
            current = out
            i += 2
            continue
        if node.op_type == "Gemm":
            if attrs.get("transB") != 1 or attrs.get("transA", 0) != 0 or attrs.get("alpha", 1.0) != 1.0 or attrs.get("beta", 1.0) != 1.0:
                raise ValueError(f"node {node.name or node.output[0]}: only Gemm with transB=1 (FULLY_CONNECTED's weight layout)")
            weight, bias = weights[node.input[1]], weights[node.input[2]]
            out = node.output[0]
            tensor(out, [shape[0], weight.shape[0]])
            options = tfl.FullyConnectedOptionsT()
            options.fusedActivationFunction = tfl.ActivationFunctionType.NONE
            inputs = [by_name[current][0], const(node.input[1], list(weight.shape), weight.astype(np.float32)), const(node.input[2], list(bias.shape), bias.astype(np.float32))]
            op(tfl.BuiltinOperator.FULLY_CONNECTED, inputs, [by_name[out][0]], tfl.BuiltinOptions.FullyConnectedOptions, options)
            current = out
            i += 1
            continue
        if node.op_type == "Softmax" and attrs.get("axis", -1) in (-1, len(shape) - 1):
            out = node.output[0]
            tensor(out, shape)
            options = tfl.SoftmaxOptionsT()
            options.beta = 1.0
            op(tfl.BuiltinOperator.SOFTMAX, [by_name[current][0]], [by_name[out][0]], tfl.BuiltinOptions.SoftmaxOptions, options)
            current = out
            i += 1
            continue
        raise ValueError(
            f"node {node.name or node.output[0]} is {node.op_type}; the test-model writer knows only the test models' "
            "Conv(+Relu), GlobalAveragePool+Flatten, Gemm(transB=1) and Softmax(last axis)"
        )

    (result,) = graph.output
    if current != result.name:
        raise ValueError(f"the graph's output is {result.name}, the last node writes {current}")
    subgraph = tfl.SubGraphT()
    subgraph.tensors, subgraph.operators = tensors, operators
    subgraph.inputs, subgraph.outputs = [by_name[source.name][0]], [by_name[current][0]]
    subgraph.name = graph.name
    model = tfl.ModelT()
    model.version = 3
    model.description = f"edgefleet test model {graph.name}, written by build_tflite.py"
    model.subgraphs, model.buffers = [subgraph], buffers
    model.operatorCodes = []
    for code in codes:
        c = tfl.OperatorCodeT()
        c.builtinCode, c.deprecatedBuiltinCode, c.version = code, min(code, 127), 1
        model.operatorCodes.append(c)
    builder = flatbuffers.Builder(1024)
    builder.Finish(model.Pack(builder), file_identifier=b"TFL3")
    return bytes(builder.Output()), [1 if d < 0 else d for d in dims]


def quantize(model, input_shape, samples):
    import numpy as np
    from ai_edge_litert import _pywrap_tensorflow_lite_calibration_wrapper as calibration

    calibrator = calibration.CalibrationWrapper(model, [], [])
    rng = np.random.default_rng(0)
    calibrator.Prepare([input_shape])
    for _ in range(samples):
        calibrator.FeedTensor([rng.random(input_shape, dtype=np.float32)])
    float32, int8, int32 = np.dtype(np.float32).num, np.dtype(np.int8).num, np.dtype(np.int32).num
    # input and output float32, no float kernels left, int8 activations, int32 biases, per-channel weights.
    return bytes(calibrator.QuantizeModel(float32, float32, False, int8, int32, False, False))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--onnx", required=True, help="one of the project's ONNX test models")
    parser.add_argument("--out", required=True, help="the .tflite file to write")
    parser.add_argument("--precision", required=True, choices=["fp32", "int8"])
    parser.add_argument("--samples", type=int, default=64, help="int8: calibration samples (default 64)")
    args = parser.parse_args()
    model, input_shape = build(args.onnx)
    if args.precision == "int8":
        model = quantize(model, input_shape, args.samples)
    with open(args.out, "wb") as f:
        f.write(model)
    return 0


if __name__ == "__main__":
    sys.exit(main())
