"""Model builds: ONNX Runtime's quantizers, onnxconverter-common's FP16 converter, OpenVINO's model
converter with NNCF's post-training quantizer, and onnx2tf with TensorFlow's TFLite converter over
one ONNX source model, each build measured on this CPU (size, accuracy, latency) with the runtime
that serves it: ONNX Runtime for the ONNX builds, the OpenVINO runtime for the IR builds, the TFLite
runtime (LiteRT's interpreter) for the .tflite builds.

Run by tools/src/model-build/cli.ts on the toolchain's Python tools venv; it writes every target it
is asked for into --work and prints the measurements as one JSON object on stdout (the shape
tools/src/model-build/result.ts parses). Deciding which builds pass the accuracy gate, and copying
those out, is the CLI's. Progress goes to stderr, one line per step.

The OpenVINO builds are IR artifacts as the OpenVINO runtime (packages/openvino-runtime) serves them,
written and compiled by that runtime's own Python modules (ir_artifact.save_ir, worker.load), which
the CLI puts on PYTHONPATH. The .tflite builds are loaded by the TFLite runtime's worker
(packages/tflite-runtime/src/worker.py, named by --tflite-worker: it shares its module name with the
OpenVINO runtime's).

Data files are NumPy .npz archives: `inputs` (samples along the first axis, fed to the model's
first input one at a time) and, for evaluation, `labels` (the class of each sample).
"""

import argparse
import importlib.util
import json
import os
import shutil
import sys
import time
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
from onnxruntime.quantization import CalibrationDataReader, QuantFormat, QuantType, quantize_dynamic, quantize_static

# The file each kind of target writes: an ONNX model, the OpenVINO runtime's IR artifact, a TFLite flatbuffer.
EXTENSIONS = {"onnx": "onnx", "openvino": "tar", "tflite": "tflite"}

# Runs before the timed ones: the first runs of a session allocate and warm caches.
WARMUP_RUNS = 10


def progress(message):
    print(f"model build: {message}", file=sys.stderr, flush=True)


def load_inputs(path, what):
    with np.load(path) as data:
        if "inputs" not in data:
            sys.exit(f"{what} {path} has no `inputs` array: write it with numpy.savez(path, inputs=..., labels=...)")
        return data["inputs"], (data["labels"] if "labels" in data else None)


class SampleReader(CalibrationDataReader):
    """Feeds the calibration samples one at a time, as the model sees them when serving."""

    def __init__(self, input_name, samples):
        self.feeds = iter([{input_name: sample[None]} for sample in samples])

    def get_next(self):
        return next(self.feeds, None)


def build(target, source, out, calibration):
    if target.startswith("openvino-"):
        build_openvino(target, source, out, calibration)
    elif target.startswith("tflite-"):
        build_tflite(target, source, out, calibration)
    elif target == "onnx-fp32":
        onnx.save(onnx.load(source), out)
    elif target == "onnx-int8-dynamic":
        quantize_dynamic(source, out, weight_type=QuantType.QInt8)
    elif target == "onnx-int8-static":
        # QDQ, the format ONNX Runtime's CPU provider fuses into integer kernels; per-tensor
        # MinMax ranges from the calibration samples.
        input_name = onnx.load(source).graph.input[0].name
        quantize_static(
            source,
            out,
            SampleReader(input_name, calibration),
            quant_format=QuantFormat.QDQ,
            activation_type=QuantType.QUInt8,
            weight_type=QuantType.QInt8,
        )
    elif target == "onnx-fp16":
        from onnxconverter_common import float16

        # Inputs and outputs stay float32, so the same data and callers work with every build.
        model = float16.convert_float_to_float16(without_float_input_casts(onnx.load(source)), keep_io_types=True)
        onnx.save(model, out)
    else:
        sys.exit(f"unknown target {target}")


def build_openvino(target, source, out, calibration):
    import telemetry_off  # noqa: F401 (before openvino and nncf)
    import openvino as ov
    from ir_artifact import save_ir

    model = ov.convert_model(source)
    if target == "openvino-fp16":
        save_ir(model, out, compress_to_fp16=True)
    elif target == "openvino-int8":
        import nncf

        # Weights and activations of the matrix products in int8, activation ranges from every
        # calibration sample; the float weights left (biases) stay fp32.
        name = model.inputs[0].get_any_name()
        dataset = nncf.Dataset([{name: sample[None]} for sample in calibration])
        save_ir(nncf.quantize(model, dataset, subset_size=len(calibration)), out)
    else:
        sys.exit(f"unknown target {target}")


def build_tflite(target, source, out, calibration):
    """onnx2tf converts the ONNX model to a TensorFlow SavedModel, which TensorFlow's TFLite converter
    writes as .tflite: as it is (fp32), or quantized after training (int8: weights per channel and
    activations in int8, ranges from every calibration sample; input and output stay float32, as the
    OpenVINO int8 IR keeps them)."""
    import onnx2tf
    import tensorflow as tf

    saved_model = f"{out}.saved_model"
    model = onnx.load(source)
    # onnx2tf turns NCHW inputs into TFLite's NHWC unless told not to: the same samples feed every build.
    channels_first = [i.name for i in model.graph.input if len(i.type.tensor_type.shape.dim) >= 3]
    onnx2tf.convert(
        input_onnx_file_path=source,
        output_folder_path=saved_model,
        keep_ncw_or_nchw_or_ncdhw_input_names=channels_first or None,
        non_verbose=True,
    )
    converter = tf.lite.TFLiteConverter.from_saved_model(saved_model)
    if target == "tflite-int8":
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
        converter.representative_dataset = lambda: ([sample[None]] for sample in calibration)
        converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    elif target != "tflite-fp32":
        sys.exit(f"unknown target {target}")
    with open(out, "wb") as f:
        f.write(converter.convert())


def without_float_input_casts(model):
    """The model without Casts of a float32 graph input to float32 (skl2onnx starts each model
    with one): the FP16 converter drops such a Cast without putting its own input Cast in, which
    leaves float32 feeding float16 MatMuls, a model ONNX Runtime refuses to load."""
    float_inputs = {i.name for i in model.graph.input if i.type.tensor_type.elem_type == onnx.TensorProto.FLOAT}
    renames = {}
    for node in list(model.graph.node):
        to = next((a.i for a in node.attribute if a.name == "to"), None)
        if node.op_type == "Cast" and to == onnx.TensorProto.FLOAT and node.input[0] in float_inputs:
            renames[node.output[0]] = node.input[0]
            model.graph.node.remove(node)
    for node in model.graph.node:
        for i, name in enumerate(node.input):
            node.input[i] = renames.get(name, name)
    return model


def predicted_class(output):
    """The first output: class labels as they are (integers), or the argmax of scores (floats)."""
    output = np.asarray(output)
    if np.issubdtype(output.dtype, np.integer):
        return output.reshape(-1)[0]
    return int(np.argmax(output.reshape(-1)))


def onnxruntime_runner(path, threads):
    """One inference with ONNX Runtime's CPU provider: sample in, first output out."""
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    session = ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])
    name = session.get_inputs()[0].name
    first = session.get_outputs()[0].name
    return lambda sample: session.run([first], {name: sample[None]})[0]


def openvino_runner(path, threads):
    """One inference of the IR artifact as the OpenVINO runtime runs it (its worker's engine)."""
    from worker import load

    return engine_runner(load(Path(path).read_bytes(), threads))


def tflite_runner(path, threads, worker):
    """One inference of the .tflite file as the TFLite runtime runs it (its worker's engine: LiteRT's interpreter)."""
    spec = importlib.util.spec_from_file_location("tflite_worker", worker)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return engine_runner(module.load(Path(path).read_bytes(), threads))


def engine_runner(engine):
    """One inference through a runtime worker's engine: sample in, first output out."""
    feed = engine.inputs[0]["name"]
    first = engine.outputs[0]["name"]

    def run(sample):
        [(_, _, scores)] = engine.infer({feed: sample[None]}, [first])
        return scores

    return run


def runner(target, path, threads, tflite_worker):
    if target.startswith("openvino-"):
        return openvino_runner(path, threads)
    if target.startswith("tflite-"):
        return tflite_runner(path, threads, tflite_worker)
    return onnxruntime_runner(path, threads)


def measure(target, path, inputs, labels, threads, tflite_worker):
    """Accuracy (percent) and one-inference latencies (milliseconds) over the evaluation samples."""
    run = runner(target, path, threads, tflite_worker)
    for sample in inputs[:WARMUP_RUNS]:
        run(sample)
    correct = 0
    latencies = []
    for sample, label in zip(inputs, labels):
        start = time.perf_counter()
        output = run(sample)
        latencies.append((time.perf_counter() - start) * 1000)
        correct += int(predicted_class(output) == label)
    return {
        "sizeBytes": os.path.getsize(path),
        "accuracyPercent": 100 * correct / len(labels),
        "latencyMs": {
            "p50": float(np.percentile(latencies, 50)),
            "p95": float(np.percentile(latencies, 95)),
        },
        "evaluationSamples": len(labels),
    }


def check_source(path):
    """Refuses, naming the fix, a source the build cannot read whole: not ONNX, or weights kept in
    external data files beside it (a build gets one file: the artifact, or --model)."""
    try:
        model = onnx.load(path, load_external_data=False)
    except Exception as err:  # onnx raises protobuf's DecodeError, or an OSError, for a file that is not a model
        sys.exit(f"--model {path} is not an ONNX model ({type(err).__name__}: {err}): give the float32 .onnx file to build")
    graphs, external = [model.graph], set()
    while graphs:
        graph = graphs.pop()
        for tensor in graph.initializer:
            if onnx.external_data_helper.uses_external_data(tensor):
                external.update(e.value for e in tensor.external_data if e.key == "location")
        for node in graph.node:
            graphs.extend(a.g for a in node.attribute if a.HasField("g"))
            graphs.extend(g for a in node.attribute for g in a.graphs)
    if external:
        sys.exit(
            f"--model {path} keeps its weights in external data files ({', '.join(sorted(external))}), which a build "
            "does not fetch: save the model with them inside, onnx.save_model(onnx.load(path), out, "
            "save_as_external_data=False) (models up to 2 GB), and build that file"
        )


def cmd_build(args):
    check_source(args.model)
    evaluation, labels = load_inputs(args.evaluation, "--evaluation")
    if labels is None or len(labels) != len(evaluation):
        sys.exit(f"--evaluation {args.evaluation} needs `labels`, one per sample of `inputs`")
    calibration, _ = load_inputs(args.calibration, "--calibration")
    targets = args.targets.split(",")
    # ONNX Runtime's quantizers write a shape-inferred copy beside the model they are given: the
    # source's folder may be read-only (a mounted volume), the work folder is ours.
    source = os.path.join(args.work, "source.onnx")
    shutil.copyfile(args.model, source)
    results = []
    for target in targets:
        out = os.path.join(args.work, f"{target}.{EXTENSIONS[target.split('-')[0]]}")
        progress(f"{target}: building")
        build(target, source, out, calibration)
        progress(f"{target}: measuring on {len(labels)} evaluation samples")
        results.append({"target": target, "file": out, **measure(target, out, evaluation, labels, args.threads, args.tflite_worker)})
    versions = {"onnxruntime": ort.__version__}
    if any(t.startswith("openvino-") for t in targets):
        import openvino as ov

        versions["openvino"] = ov.get_version().split("-")[0]
    if any(t.startswith("tflite-") for t in targets):
        import tensorflow as tf

        versions["tensorflow"] = tf.__version__
    return {**versions, "threads": args.threads, "calibrationSamples": len(calibration), "targets": results}


def needed_modules(target):
    """The Python modules building and measuring a target imports beyond numpy, onnx and onnxruntime."""
    if target == "onnx-fp16":
        return ["onnxconverter_common"]
    if target == "openvino-int8":
        return ["openvino", "nncf"]
    if target.startswith("openvino-"):
        return ["openvino"]
    if target.startswith("tflite-"):
        return ["onnx2tf", "tensorflow", "ai_edge_litert"]
    return []


def cmd_tools(args):
    """Each target this Python lacks modules for, with them: found without importing anything heavy."""
    missing = {}
    for target in args.targets.split(","):
        lacking = [m for m in needed_modules(target) if importlib.util.find_spec(m) is None]
        if lacking:
            missing[target] = lacking
    return missing


def cmd_example(args):
    """A small MLP on scikit-learn's digits (8x8 images, 10 classes), exported with skl2onnx."""
    from digits import example_mlp, example_split, to_onnx_model

    (train_x, train_y), calib_x, (eval_x, eval_y) = example_split()
    progress(f"example digits: training an MLP on {len(train_y)} images")
    mlp = example_mlp().fit(train_x, train_y)
    model = to_onnx_model(mlp, train_x[:1])
    os.makedirs(args.out, exist_ok=True)
    files = {
        "model": os.path.join(args.out, "digits-mlp.onnx"),
        "calibration": os.path.join(args.out, "digits-calibration.npz"),
        "evaluation": os.path.join(args.out, "digits-evaluation.npz"),
    }
    onnx.save(model, files["model"])
    np.savez(files["calibration"], inputs=calib_x)
    np.savez(files["evaluation"], inputs=eval_x, labels=eval_y)
    return files


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    b = commands.add_parser("build")
    b.add_argument("--model", required=True)
    b.add_argument("--calibration", required=True)
    b.add_argument("--evaluation", required=True)
    b.add_argument("--targets", required=True)
    b.add_argument("--work", required=True)
    b.add_argument("--threads", type=int, default=1)
    b.add_argument("--tflite-worker", help="the TFLite runtime's worker.py, which measures the tflite targets")
    t = commands.add_parser("tools")
    t.add_argument("--targets", required=True)
    e = commands.add_parser("example")
    e.add_argument("--out", required=True)
    args = parser.parse_args()
    # stdout carries the one JSON answer: whatever the libraries print (NNCF logs and draws its
    # progress there) goes to stderr with our progress.
    answer = sys.stdout
    sys.stdout = sys.stderr
    json.dump({"build": cmd_build, "tools": cmd_tools, "example": cmd_example}[args.command](args), answer)


if __name__ == "__main__":
    main()
