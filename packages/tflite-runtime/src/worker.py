"""The TFLite runtime's engine: serves one .tflite model with LiteRT's interpreter on the CPU (no
delegate: an Edge TPU's is not used) through frame_worker.serve.

Usage: venv-python worker.py MODEL.tflite THREADS (with frame_worker.py on PYTHONPATH)
"""

import sys

from frame_worker import serve

# numpy dtypes of TFLite tensors by their Open Inference Protocol names; the parent takes the ones it can.
OIP = {
    "bool": "BOOL",
    "uint8": "UINT8",
    "int8": "INT8",
    "int16": "INT16",
    "int32": "INT32",
    "int64": "INT64",
    "float16": "FP16",
    "float32": "FP32",
    "float64": "FP64",
}


def spec(detail):
    # shape_signature keeps the model's open dimensions (-1); shape is what is allocated now.
    shape = detail.get("shape_signature")
    if shape is None or len(shape) == 0:
        shape = detail["shape"]
    dtype = detail["dtype"].__name__
    return {"name": detail["name"], "datatype": OIP.get(dtype, dtype.upper()), "shape": [int(d) for d in shape]}


class LiteRtEngine:
    def __init__(self, interpreter):
        self.interpreter = interpreter
        self.input_details = interpreter.get_input_details()
        self.output_details = interpreter.get_output_details()
        self.inputs = [spec(d) for d in self.input_details]
        self.outputs = [spec(d) for d in self.output_details]

    def infer(self, feeds, wanted):
        interpreter = self.interpreter
        resized = False
        for detail, now in zip(self.input_details, interpreter.get_input_details()):
            shape = list(feeds[detail["name"]].shape)
            # A batch of another size than the one allocated: the interpreter takes the new shape.
            if shape != list(now["shape"]):
                interpreter.resize_tensor_input(detail["index"], shape)
                resized = True
        if resized:
            interpreter.allocate_tensors()
        for detail in self.input_details:
            interpreter.set_tensor(detail["index"], feeds[detail["name"]].astype(detail["dtype"], copy=False))
        interpreter.invoke()
        results = []
        for detail in self.output_details:
            if wanted is None or detail["name"] in wanted:
                data = interpreter.get_tensor(detail["index"])
                results.append((detail["name"], OIP.get(data.dtype.name), data))
        return results


def load(data, threads):
    from ai_edge_litert.interpreter import Interpreter

    interpreter = Interpreter(model_content=data, num_threads=threads if threads > 0 else None)
    interpreter.allocate_tensors()
    return LiteRtEngine(interpreter)


if __name__ == "__main__":
    sys.exit(serve(load))
