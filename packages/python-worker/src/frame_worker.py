"""The worker loop of the Python-engined runtimes: serves one model to its parent over stdin/stdout.

The parent (worker-model.ts) owns HTTP, the Open Inference Protocol and metrics; this process only
runs the model, through an engine script that calls serve(load). Frames both ways: a little-endian
u32 length of a JSON header, a u32 length of a payload, the header, then the payload (tensors' raw
bytes, concatenated in the header's order). The first frame out is the model's inputs and outputs,
or an error; then one answer per request, in order.

An engine's load(data, threads) takes the model file's bytes (read once by read_model, and checked
against the runtime's --model-sha256 when it has one) and returns an object with `inputs` and
`outputs`, lists of {"name", "datatype" (an Open Inference Protocol name), "shape" (-1 for an open
dimension)}, and `infer(feeds, wanted)`: feeds maps input names to numpy arrays, wanted is the
output names asked for or None for all; it returns (name, datatype, numpy array) for each output.
"""

import hashlib
import json
import struct
import sys
import time

FRAME = struct.Struct("<II")
# The tensor types the parent sends and takes, as numpy dtypes (little-endian).
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


def feeds_of(header, payload):
    import numpy as np

    feeds, offset = {}, 0
    for tensor in header["inputs"]:
        dtype = np.dtype(NUMPY[tensor["datatype"]])
        count = 1
        for d in tensor["shape"]:
            count *= d
        feeds[tensor["name"]] = np.frombuffer(payload, dtype, count, offset).reshape(tensor["shape"])
        offset += count * dtype.itemsize
    return feeds


def answer(engine, header, payload):
    import numpy as np

    feeds = feeds_of(header, payload)
    started = time.process_time()
    results = engine.infer(feeds, header.get("outputs"))
    cpu_ms = (time.process_time() - started) * 1000
    answers, parts = [], []
    for name, datatype, data in results:
        data = np.ascontiguousarray(data)
        answers.append({"name": name, "datatype": datatype, "shape": list(data.shape)})
        parts.append(data.astype(NUMPY[datatype], copy=False).tobytes() if datatype in NUMPY else b"")
    return {"outputs": answers, "cpu_ms": cpu_ms}, b"".join(parts)


def read_model(path, sha256=None):
    """The model file's bytes, read once; with sha256, refused unless they hash to it. The engine
    loads these very bytes, so a file changed after the agent verified it is never served."""
    with open(path, "rb") as f:
        data = f.read()
    if sha256 is None:
        return data
    actual = hashlib.sha256(data).hexdigest()
    if actual != sha256:
        raise ValueError(
            f"the file has sha256 {actual}, not {sha256} (--model-sha256): it changed after it was verified; "
            "delete the pod, and its verify-artifact init container fetches and verifies it again"
        )
    return data


def serve(load, argv=None):
    """Runs the worker: argv (sys.argv by default) is SCRIPT MODEL THREADS [SHA256]; returns the exit code."""
    argv = argv or sys.argv
    path, threads, sha256 = argv[1], int(argv[2]), argv[3] if len(argv) > 3 else None
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    # Whatever a library prints must not corrupt the frames: stdout is the parent's channel only.
    sys.stdout = sys.stderr
    try:
        engine = load(read_model(path, sha256), threads)
        send(stdout, {"inputs": engine.inputs, "outputs": engine.outputs})
    except Exception as err:  # the parent reports any load failure as the model's
        send(stdout, {"error": f"{type(err).__name__}: {err}"})
        return 1
    while True:
        try:
            size, length = FRAME.unpack(read_exact(stdin, FRAME.size))
            header = json.loads(read_exact(stdin, size))
            payload = read_exact(stdin, length)
        except EOFError:
            return 0
        try:
            reply, data = answer(engine, header, payload)
        except Exception as err:  # one bad inference is that request's 500, not the runtime's end
            reply, data = {"error": f"{type(err).__name__}: {err}"}, b""
        send(stdout, reply, data)
