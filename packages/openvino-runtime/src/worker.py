"""The OpenVINO runtime's engine: serves one OpenVINO IR on the CPU to its parent over stdin/stdout.

The parent (openvino-model.ts) owns HTTP, the Open Inference Protocol and metrics; this process
only runs the model. Frames both ways: a little-endian u32 length of a JSON header, a u32 length
of a payload, the header, then the payload (tensors' raw bytes, concatenated in the header's
order). The first frame out is the model's inputs and outputs, or an error; then one answer per
request, in order.

Usage: venv-python worker.py MODEL.tar THREADS
"""

import json
import struct
import sys
import time

FRAME = struct.Struct("<II")

# OpenVINO element types by their Open Inference Protocol names; the parent takes the ones it can.
OIP = {
    "boolean": "BOOL",
    "u8": "UINT8",
    "u16": "UINT16",
    "u32": "UINT32",
    "u64": "UINT64",
    "i8": "INT8",
    "i16": "INT16",
    "i32": "INT32",
    "i64": "INT64",
    "f16": "FP16",
    "f32": "FP32",
    "f64": "FP64",
}
NUMPY = {"FP32": "<f4", "FP64": "<f8", "INT32": "<i4", "INT64": "<i8"}


def send(out, header, payload=b""):
    body = json.dumps(header).encode()
    out.write(FRAME.pack(len(body), len(payload)) + body)
    out.write(payload)
    out.flush()


def read_exact(stream, n):
    data = stream.read(n)
    if len(data) != n:
        raise EOFError
    return data


def spec(port):
    shape = port.get_partial_shape()
    if shape.rank.is_dynamic:
        raise ValueError(f"{port.get_any_name()} has a dynamic rank; the runtime serves tensors of a fixed rank only")
    element = port.get_element_type().get_type_name()
    return {
        "name": port.get_any_name(),
        "datatype": OIP.get(element, element.upper()),
        "shape": [d.get_length() if d.is_static else -1 for d in shape],
    }


def load(path, threads):
    import telemetry_off  # noqa: F401 (before openvino)
    import numpy as np
    import openvino as ov
    from ir_artifact import read_ir

    xml, weights = read_ir(path)
    core = ov.Core()
    model = core.read_model(xml, ov.Tensor(np.frombuffer(weights, np.uint8)))
    config = {"PERFORMANCE_HINT": "LATENCY", "NUM_STREAMS": 1}
    if threads > 0:
        config["INFERENCE_NUM_THREADS"] = threads
    return core.compile_model(model, "CPU", config)


def infer(request, outputs, header, payload):
    import numpy as np

    feeds, offset = {}, 0
    for tensor in header["inputs"]:
        dtype = np.dtype(NUMPY[tensor["datatype"]])
        count = 1
        for d in tensor["shape"]:
            count *= d
        feeds[tensor["name"]] = np.frombuffer(payload, dtype, count, offset).reshape(tensor["shape"])
        offset += count * dtype.itemsize
    started = time.process_time()
    request.infer(feeds)
    cpu_ms = (time.process_time() - started) * 1000
    wanted = header.get("outputs")
    answers, parts = [], []
    for port in outputs:
        name = port.get_any_name()
        if wanted is not None and name not in wanted:
            continue
        data = np.ascontiguousarray(request.get_tensor(port).data)
        datatype = OIP.get(port.get_element_type().get_type_name())
        answers.append({"name": name, "datatype": datatype, "shape": list(data.shape)})
        parts.append(data.astype(NUMPY[datatype], copy=False).tobytes() if datatype in NUMPY else b"")
    return {"outputs": answers, "cpu_ms": cpu_ms}, b"".join(parts)


def main(path, threads):
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    # Whatever a library prints must not corrupt the frames: stdout is the parent's channel only.
    sys.stdout = sys.stderr
    try:
        compiled = load(path, threads)
        send(stdout, {"inputs": [spec(p) for p in compiled.inputs], "outputs": [spec(p) for p in compiled.outputs]})
    except Exception as err:  # the parent reports any load failure as the model's
        send(stdout, {"error": f"{type(err).__name__}: {err}"})
        return 1
    request = compiled.create_infer_request()
    while True:
        try:
            size, length = FRAME.unpack(read_exact(stdin, FRAME.size))
            header = json.loads(read_exact(stdin, size))
            payload = read_exact(stdin, length)
        except EOFError:
            return 0
        try:
            answer, data = infer(request, compiled.outputs, header, payload)
        except Exception as err:  # one bad inference is that request's 500, not the runtime's end
            answer, data = {"error": f"{type(err).__name__}: {err}"}, b""
        send(stdout, answer, data)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], int(sys.argv[2])))
