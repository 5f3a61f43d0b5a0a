"""The OpenVINO runtime's engine: serves one OpenVINO IR on the CPU through frame_worker.serve.

Usage: venv-python worker.py MODEL.tar THREADS (with frame_worker.py on PYTHONPATH)
"""

import sys

from frame_worker import serve

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


class OpenVinoEngine:
    def __init__(self, compiled):
        self.request = compiled.create_infer_request()
        self.ports = compiled.outputs
        self.inputs = [spec(p) for p in compiled.inputs]
        self.outputs = [spec(p) for p in compiled.outputs]

    def infer(self, feeds, wanted):
        self.request.infer(feeds)
        results = []
        for port in self.ports:
            name = port.get_any_name()
            if wanted is None or name in wanted:
                results.append((name, OIP.get(port.get_element_type().get_type_name()), self.request.get_tensor(port).data))
        return results


def load(data, threads):
    import telemetry_off  # noqa: F401 (before openvino)
    import numpy as np
    import openvino as ov
    from ir_artifact import read_ir

    xml, weights = read_ir(data)
    core = ov.Core()
    model = core.read_model(xml, ov.Tensor(np.frombuffer(weights, np.uint8)))
    # f32: on CPUs with native bf16 (AVX512_BF16, AMX) the CPU plugin otherwise runs an fp32 or fp16
    # IR's float ops in bf16, so a device would not compute what the build measured (9.5e-4 off
    # onnxruntime on a Zen 4 EPYC). Quantized (int8) ops stay int8 whatever the hint.
    config = {"PERFORMANCE_HINT": "LATENCY", "NUM_STREAMS": 1, "INFERENCE_PRECISION_HINT": "f32"}
    if threads > 0:
        config["INFERENCE_NUM_THREADS"] = threads
    return OpenVinoEngine(core.compile_model(model, "CPU", config))


if __name__ == "__main__":
    sys.exit(serve(load))
